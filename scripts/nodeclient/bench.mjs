// The official socket.io-client as a load generator, for the same runs as `tigo-chat bench`:
//   node bench.mjs closed URL ROOMS_FILE [SENDERS] [MESSAGES]   one message in flight per sender
//   node bench.mjs connections URL ROOMS_FILE COUNT SERVER_PID [HOLD_S]   idle connections, RSS
//   node bench.mjs churn URL ROOMS_FILE SERVER_PID [ROUNDS] [PER_ROUND] [SETTLE_S]
//                                 rounds of connections that open and close (memory left behind)
// ROOMS_FILE is `tigo-chat bench rooms --rooms N` output. Every message is checked to arrive
// exactly once and in order; exits non-zero otherwise. Bounded in time (TIMEOUT_S, default 300).
import { readFileSync } from 'node:fs';
import { io } from 'socket.io-client';

const [mode, url, roomsFile, ...rest] = process.argv.slice(2);
const rooms = JSON.parse(readFileSync(roomsFile, 'utf8'));
const timeoutMs = Number(process.env.TIMEOUT_S || 300) * 1000;
const deadline = Date.now() + timeoutMs;
setTimeout(() => { console.error('timed out'); process.exit(2); }, timeoutMs).unref();

function connect(token, transports = ['websocket']) {
  return new Promise((resolve, reject) => {
    const socket = io(`${url}/chat`, {
      auth: { token }, transports, forceNew: true, reconnection: false, timeout: 20000,
    });
    socket.once('connected', () => resolve(socket));
    socket.once('connect_error', (e) => reject(e));
  });
}

const rssKib = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const quantile = (sorted, q) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;

async function closed(senders, messages) {
  const perRoomExpected = rooms.map(() => 0);
  const perSender = [...Array(senders)].map((_, i) => Math.floor(messages / senders) + (i < messages % senders ? 1 : 0));
  perSender.forEach((n, i) => { perRoomExpected[i % rooms.length] += n; });
  const latencies = [];
  let delivered = 0, duplicates = 0, outOfOrder = 0, errors = 0;
  const t0 = process.hrtime.bigint();
  const nowUs = () => Number((process.hrtime.bigint() - t0) / 1000n);
  const receivers = [];
  const done = [];
  for (const [r, room] of rooms.entries()) {
    const socket = await connect(room.receiver_token);
    receivers.push(socket);
    const highest = new Map();
    let got = 0;
    done.push(new Promise((resolve) => {
      if (perRoomExpected[r] === 0) resolve();
      socket.on('new_message', (m) => {
        const parts = /^bench:(\d+):(\d+):(\d+):/.exec(m.content || '');
        if (!parts) return;
        const [sender, seq, at] = parts.slice(1).map(Number);
        const prev = highest.get(sender);
        if (prev !== undefined && seq <= prev) { if (seq === prev) duplicates++; else outOfOrder++; } else highest.set(sender, seq);
        latencies.push(nowUs() - at);
        delivered++;
        if (++got >= perRoomExpected[r]) resolve();
      });
    }));
  }
  const senderSockets = [];
  for (const [i] of perSender.entries()) senderSockets.push(await connect(rooms[i % rooms.length].sender_token));
  const start = process.hrtime.bigint();
  let sent = 0;
  await Promise.all(senderSockets.map(async (socket, i) => {
    const room = rooms[i % rooms.length];
    for (let seq = 0; seq < perSender[i] && Date.now() < deadline; seq++) {
      await new Promise((resolve) => {
        const ok = () => { socket.off('error', bad); resolve(); };
        const bad = () => { errors++; socket.off('message_sent', ok); resolve(); };
        socket.once('message_sent', ok);
        socket.once('error', bad);
        socket.emit('send_message', { chat_room_id: room.id, content: `bench:${i}:${seq}:${nowUs()}:` });
        sent++;
      });
    }
  }));
  await Promise.race([Promise.all(done), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  for (const s of [...senderSockets, ...receivers]) s.close();
  latencies.sort((a, b) => a - b);
  const ms = (q) => (quantile(latencies, q) / 1000).toFixed(2);
  const lost = Math.max(0, messages - delivered);
  console.log('MODE               MSG/S  P50 MS  P99 MS  SENT  DELIVERED  LOST  DUP  ORDER  ERRORS');
  console.log(`node-closed-loop  ${(delivered / elapsed).toFixed(0).padStart(6)}  ${ms(0.5).padStart(6)}  ${ms(0.99).padStart(6)}  ${sent}  ${delivered}  ${lost}  ${duplicates}  ${outOfOrder}  ${errors}`);
  return lost || duplicates || outOfOrder || errors ? 1 : 0;
}

async function connections(count, pid, holdS) {
  const before = rssKib(pid);
  const tokens = rooms.flatMap((r) => [r.sender_token, r.receiver_token]);
  const held = [];
  let failed = 0;
  const t = Date.now();
  // A few hundred handshakes in flight at a time, as the Rust bench does.
  for (let i = 0; i < count; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 200); j++) batch.push(connect(tokens[j % tokens.length]).then((s) => held.push(s), () => failed++));
    await Promise.all(batch);
    if (Date.now() > deadline) break;
  }
  await new Promise((r) => setTimeout(r, 2000));
  const after = rssKib(pid);
  console.log('REQUESTED  CONNECTED  FAILED  SECONDS  SERVER RSS BEFORE  AFTER  PER CONNECTION');
  console.log(`${count}  ${held.length}  ${failed}  ${((Date.now() - t) / 1000).toFixed(1)}  ${(before / 1024).toFixed(1)} MiB  ${(after / 1024).toFixed(1)} MiB  ${held.length ? Math.round((after - before) * 1024 / held.length) : '-'} B`);
  await new Promise((r) => setTimeout(r, holdS * 1000));
  for (const s of held) s.close();
  return failed ? 1 : 0;
}

// One connection of a churn round, as phones and laptops do all day: one in ten over
// long-polling, every other one joins its room (acknowledged), and one in three goes by
// dropping its transport (no Socket.IO DISCONNECT) rather than closing politely.
async function churnOne(i, tokens) {
  const polling = i % 10 === 0;
  const socket = await connect(tokens[i % tokens.length], polling ? ['polling'] : ['websocket']);
  if (i % 2 === 0 && process.env.CHURN_JOIN !== '0') {
    const roomId = rooms[Math.floor((i % tokens.length) / 2)].id;
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 10000);
      socket.emit('join_room', { roomId }, () => { clearTimeout(timer); resolve(); });
    });
  }
  if (i % 3 === 0) socket.io.engine.close(); else socket.close();
}

// The `tigo_live_*` gauges and the connection count from /metrics.
async function liveGauges() {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    return text.split('\n').filter((l) => /^tigo_(live_\w+|connections) /.test(l) || /^tigo_live_\w+\{/.test(l));
  } catch (e) {
    return [`metrics unavailable: ${e.message}`];
  }
}

async function churn(pid, roundsN, perRound, settleS) {
  const tokens = rooms.flatMap((r) => [r.sender_token, r.receiver_token]);
  const start = rssKib(pid);
  let previous = start, failedAll = 0;
  console.log(`server RSS at start: ${start} KiB; ${roundsN} rounds of ${perRound} connections (1 in 10 long-polling, half join_room, a third drop the transport); reading ${settleS} s after each round`);
  console.log('ROUND  CONNECTED  FAILED  SECONDS  RSS KIB  GROWTH KIB  GROWTH B/CONN');
  for (let round = 0; round < roundsN && Date.now() < deadline; round++) {
    const t = Date.now();
    let ok = 0, failed = 0;
    for (let i = 0; i < perRound; i += 200) {
      const batch = [];
      for (let j = i; j < Math.min(perRound, i + 200); j++) batch.push(churnOne(round * perRound + j, tokens).then(() => ok++, () => failed++));
      await Promise.all(batch);
      if (Date.now() > deadline) break;
    }
    const seconds = ((Date.now() - t) / 1000).toFixed(1);
    await new Promise((r) => setTimeout(r, settleS * 1000));
    const rss = rssKib(pid);
    const label = round === 0 ? 'warm-up' : String(round);
    console.log(`${label.padEnd(7)}${String(ok).padStart(9)}  ${String(failed).padStart(6)}  ${seconds.padStart(7)}  ${String(rss).padStart(7)}  ${String(rss - previous).padStart(10)}  ${String(Math.round((rss - previous) * 1024 / Math.max(1, ok))).padStart(13)}`);
    for (const line of await liveGauges()) console.log(`       ${line}`);
    previous = rss;
    failedAll += failed;
  }
  return failedAll ? 1 : 0;
}

const code = mode === 'closed'
  ? await closed(Number(rest[0] || 10), Number(rest[1] || 2000))
  : mode === 'connections'
    ? await connections(Number(rest[0]), Number(rest[1]), Number(rest[2] || 3))
    : mode === 'churn'
      ? await churn(Number(rest[0]), Number(rest[1] || 4), Number(rest[2] || 3000), Number(rest[3] || 5))
      : (console.error(`unknown mode ${mode}`), 2);
process.exit(code);
