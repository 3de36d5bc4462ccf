// Connection state recovery with the official socket.io-client, 4.7 and 4.8, nothing set on
// the client: after socket.io.engine.close(), after kill -9 and a restart, and after a
// reconnect that lands on the other of two instances. Every room event sent in the gap
// (messages, edits, deletions, read receipts, reactions) arrives exactly once, in order,
// before live ones, and socket.recovered is true; also with no event received before the
// drop and for drops in a row. A kill -9 during a send burst loses no acknowledged message.
//
// This file starts the servers itself (it must kill and restart them): TIGO_BIN (the binary),
// TIGO_ENV (JSON: the environment every instance gets, DATABASE_URL at least; REDIS_URL for
// two instances), TIGO_INSTANCES (1 or 2) and TIGO_USERS as for scenarios.test.mjs. The
// clients talk to a TCP relay in front of the servers, so that a test decides when a
// reconnect can get through and to which instance.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { io as io48 } from 'socket.io-client';
import { io as io47 } from 'socket.io-client-47';
import { waitFor as wait } from './wait.mjs';

const BIN = process.env.TIGO_BIN;
const ENV = JSON.parse(process.env.TIGO_ENV ?? '{}');
const INSTANCES = Number(process.env.TIGO_INSTANCES ?? '1');
const USERS = JSON.parse(process.env.TIGO_USERS ?? '{}');
assert.ok(BIN && ENV.DATABASE_URL, 'TIGO_BIN and TIGO_ENV are not set: run scripts/test.sh');
// An absolute path: this file runs from tests/conformance, not from the checkout's root.
assert.ok(isAbsolute(BIN) && existsSync(BIN), `TIGO_BIN is not an absolute path to the binary: ${BIN}`);
for (const role of ['customer', 'owner', 'customer2', 'admin']) assert.ok(USERS[role], `TIGO_USERS lacks ${role}`);

const TIMEOUT = 15000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One server process; `start` again after `kill9` brings it back on a new port. */
class Server {
  constructor(name) {
    this.name = name;
    this.log = '';
  }

  async start() {
    this.log = '';
    this.proc = spawn(BIN, ['serve'], {
      env: {
        ...process.env, ...ENV, PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'text',
        RUST_LOG: process.env.RUST_LOG ?? 'warn,tigo_chat=info,tigo_server=info',
        MESSAGES_PER_SECOND: '0', EVENTS_PER_SECOND: '0', CONNECTIONS_PER_USER: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.addr = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start:\n${this.log}`)), 30000);
      const read = (chunk) => {
        this.log += chunk;
        const m = /listening.*addr=([0-9.:]+)/.exec(this.log);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      this.proc.stdout.on('data', read);
      this.proc.stderr.on('data', read);
      exited.then(() => reject(new Error(`${this.name} exited:\n${this.log}`)));
    });
    this.url = `http://${this.addr}`;
    this.exited = exited;
    return this;
  }

  async kill9() {
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  async stop() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM');
      await Promise.race([this.exited, sleep(10000)]);
    }
  }
}

/** A TCP relay to one server at a time; `hold` refuses new connections, `cut` drops all. */
class Relay {
  constructor() {
    this.sockets = new Set();
    this.held = false;
  }

  async listen(target) {
    this.target = target;
    this.server = net.createServer((client) => {
      if (this.held || !this.target) return client.destroy();
      const [host, port] = this.target.split(':');
      const upstream = net.connect(Number(port), host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
  }

  hold() { this.held = true; }
  release() { this.held = false; }
  cut() { for (const s of this.sockets) s.destroy(); }
  close() { this.cut(); this.server.close(); }
}

const servers = [];
const relay = new Relay();
const open = [];
let customer, owner, customer2, admin;

async function api(base, method, path, token, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function login(role) {
  const { email, password } = USERS[role];
  const res = await api(servers[0].url, 'POST', '/auth/login', null, { email, password });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { token: res.body.access_token, user: res.body.user };
}

/** The client exactly as an app creates it: a token and nothing else (forceNew only keeps
 * the tests' sockets apart). Records every event with its arguments, in arrival order. */
function client(io, token) {
  const socket = io(`${relay.url}/chat`, { auth: { token }, forceNew: true });
  socket.seen = [];
  socket.onAny((event, ...args) => socket.seen.push({ event, data: args[0], args: args.length }));
  open.push(socket);
  return socket;
}

/** `wait.mjs`'s waitFor, with this file's timeout unless told. */
function waitFor(what, check, ms = TIMEOUT) {
  return wait(what, check, ms);
}

const connectedCount = (s) => s.seen.filter((e) => e.event === 'connected').length;

/** Waits until the socket is connected `n` times (each connect emits `connected`). */
const connects = (s, n) => waitFor(`connect #${n}`, () => s.connected && connectedCount(s) >= n);

/** The room events a socket saw, in order, as comparable strings. */
function roomEvents(s, room) {
  const out = [];
  for (const { event, data } of s.seen) {
    if (!data || (data.chat_room_id ?? data.roomId) !== room) continue;
    switch (event) {
      case 'new_message': out.push(`new:${data.content}`); break;
      case 'message_edited': out.push(`edited:${data.id}`); break;
      case 'message_deleted': out.push(`deleted:${data.messageId}`); break;
      case 'messages_read': out.push(`read:${data.userId}`); break;
      case 'reaction_updated': out.push(`reaction:${data.messageId}:${data.reactions.map((r) => r.emoji).join('')}`); break;
      default: break;
    }
  }
  return out;
}

async function roomOf(a, b) {
  const res = await api(servers[0].url, 'POST', '/chat/rooms', a.token, {
    type: 'customer_hotel_owner', participant1_id: a.user.id, participant2_id: b.user.id,
  });
  assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
  return res.body;
}

/** Where the changes go: the instance the client will not be on, when there are two. */
const other = () => servers[servers.length - 1].url;

async function send(base, who, room, content) {
  const res = await api(base, 'POST', '/chat/messages', who.token, { chat_room_id: room, content });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** Every kind of room event, done over REST at `base`: two messages, an edit, a reaction, the
 * deletion of `victim` (a message from before, when given) and a read receipt. Returns what
 * the room must see. A replay shows each message as it is now (see the README), so the
 * edited message arrives with its new text, then its `message_edited`. */
async function gapEvents(base, room, tag, victim) {
  const a = await send(base, owner, room, `${tag} one`);
  const b = await send(base, owner, room, `${tag} two`);
  assert.equal((await api(base, 'PATCH', `/chat/messages/${a.id}`, owner.token, { content: `${tag} one!` })).status, 200);
  assert.equal((await api(base, 'POST', `/chat/messages/${b.id}/reactions`, owner.token, { emoji: '👍' })).status, 200);
  const deleted = [];
  if (victim) {
    assert.equal((await api(base, 'DELETE', `/chat/messages/${victim}`, owner.token)).status, 204);
    deleted.push(`deleted:${victim}`);
  }
  assert.equal((await api(base, 'POST', `/chat/rooms/${room}/read`, owner.token)).status, 204);
  const events = [`new:${tag} one!`, `new:${tag} two`, `edited:${a.id}`, `reaction:${b.id}:👍`, ...deleted, `read:${owner.user.id}`];
  return { events, last: b.id };
}

/** Drops the client's transport and keeps it from reconnecting until `release`. */
function drop(socket) {
  relay.hold();
  socket.io.engine.close();
}

/** Drops the client; runs `gap` while it is away; lets it back in, onto instance `to` when
 * there are two; waits for its connect number `n` and checks that it was recovered. Returns
 * what `gap` returned. */
async function awayAndBack(c, n, to, gap) {
  drop(c);
  await waitFor('the drop', () => !c.connected);
  const result = await gap();
  if (INSTANCES > 1) relay.target = servers[to].addr;
  relay.release();
  await connects(c, n);
  assert.equal(c.recovered, true, `socket.recovered at connect ${n}`);
  return result;
}

/** Sends `texts` from `who` into `room`, one after another, at the other instance; returns
 * what the room must see. */
async function sendAll(who, room, texts) {
  const seen = [];
  for (const text of texts) seen.push(`new:${(await send(other(), who, room, text)).content}`);
  return seen;
}

before(async () => {
  for (let i = 0; i < INSTANCES; i++) servers.push(await new Server(`instance ${i + 1}`).start());
  await relay.listen(servers[0].addr);
  [customer, owner, customer2, admin] = await Promise.all(['customer', 'owner', 'customer2', 'admin'].map(login));
});

after(async () => {
  for (const s of open) s.disconnect();
  relay.close();
  for (const s of servers) await s.stop();
});

for (const [version, io] of [['4.7', io47], ['4.8', io48]]) {
  describe(`socket.io-client ${version}`, () => {
    test('after engine.close(): every kind of event missed arrives once, in order, before live ones', async () => {
      const room = await roomOf(customer, owner);
      const c = client(io, customer.token);
      await connects(c, 1);
      assert.equal(c.recovered, false);
      const before = await send(servers[0].url, owner, room.id, 'before');
      await waitFor('the first message', () => roomEvents(c, room.id).length === 1);
      const { events: missed } = await awayAndBack(c, 2, 1,
        () => gapEvents(other(), room.id, `gap-${version}`, before.id));
      await send(other(), owner, room.id, 'live');
      await waitFor('the live message', () => roomEvents(c, room.id).includes('new:live'));
      await sleep(300);
      assert.deepEqual(roomEvents(c, room.id), ['new:before', ...missed, 'new:live']);
      relay.target = servers[0].addr;
    });

    test('with no event received before the drop, and for three drops in a row', async () => {
      const room = await roomOf(customer, owner);
      const c = client(io, customer.token);
      await connects(c, 1);
      const expected = [];
      let victim;
      for (let round = 1; round <= 3; round++) {
        const gap = await awayAndBack(c, round + 1, round % 2,
          () => gapEvents(other(), room.id, `drop${round}-${version}`, victim));
        expected.push(...gap.events);
        victim = gap.last;
        await waitFor(`the events of drop ${round}`, () => roomEvents(c, room.id).length >= expected.length);
      }
      await sleep(300);
      assert.deepEqual(roomEvents(c, room.id), expected);
      relay.target = servers[0].addr;
    });

    test('a recovered client that also sends join_room {lastMessageId} gets each message once', async () => {
      // The seed's front end rejoins with lastMessageId on every connect; recovery has then
      // already sent what was missed, so the join's own replay must skip it.
      const room = await roomOf(customer, owner);
      const c = client(io, customer.token);
      await connects(c, 1);
      const before = await send(servers[0].url, owner, room.id, 'anchor');
      await waitFor('the first message', () => roomEvents(c, room.id).length === 1);
      const missed = await awayAndBack(c, 2, 1,
        () => sendAll(owner, room.id, [0, 1, 2].map((i) => `away ${i}-${version}`)));
      const join = await c.timeout(TIMEOUT).emitWithAck('join_room', { roomId: room.id, lastMessageId: before.id });
      assert.equal(join.ok, true, JSON.stringify(join));
      await send(other(), owner, room.id, 'live');
      await waitFor('the live message', () => roomEvents(c, room.id).includes('new:live'));
      await sleep(300);
      assert.deepEqual(roomEvents(c, room.id), ['new:anchor', ...missed, 'new:live']);
      relay.target = servers[0].addr;
    });

    test('a room created during the session: what was missed in it arrives too', async () => {
      // A new pair of users for each client version, so that the room is new each time.
      const [peer, type] = version === '4.7' ? [owner, 'customer_hotel_owner'] : [admin, 'customer_admin'];
      const c = client(io, customer2.token);
      await connects(c, 1);
      const res = await api(servers[0].url, 'POST', '/chat/rooms', customer2.token, {
        type, participant1_id: customer2.user.id, participant2_id: peer.user.id,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const room = res.body.id;
      await waitFor('room_created', () => c.seen.some((e) => e.event === 'room_created' && e.data?.id === room));
      const missed = await awayAndBack(c, 2, 1,
        () => sendAll(peer, room, [0, 1].map((i) => `new room ${i}-${version}`)));
      await waitFor('the missed messages', () => roomEvents(c, room).length >= missed.length);
      await sleep(300);
      assert.deepEqual(roomEvents(c, room), missed);
      relay.target = servers[0].addr;
    });

    test('a forged pid, or another user\'s, gives an ordinary new connection', async () => {
      const c = client(io, customer.token);
      const d = client(io, customer2.token);
      await connects(c, 1);
      await connects(d, 1);
      assert.ok(c._pid && d._pid && c._pid !== d._pid, 'the CONNECT reply carries a pid');
      d._pid = c._pid; // someone else's
      c._pid = 'forged'.padEnd(64, 'x');
      c._lastOffset = 'nonsense';
      c.io.engine.close();
      d.io.engine.close();
      await connects(c, 2);
      await connects(d, 2);
      assert.equal(c.recovered, false);
      assert.equal(d.recovered, false);
      assert.equal(c.seen.filter((e) => e.event === 'connect_error').length, 0);
    });
  });
}

test('after kill -9 and a restart, what was missed arrives (4.7 and 4.8)', async () => {
  const room = await roomOf(customer, owner);
  const sockets = [client(io47, customer.token), client(io48, customer.token)];
  for (const s of sockets) await connects(s, 1);
  const before = await send(servers[0].url, owner, room.id, 'before kill');
  for (const s of sockets) await waitFor('the first message', () => roomEvents(s, room.id).length === 1);
  relay.hold();
  await servers[0].kill9();
  relay.cut();
  await servers[0].start();
  relay.target = servers[0].addr;
  const { events: missed } = await gapEvents(servers[0].url, room.id, 'after-kill', before.id);
  relay.release();
  for (const s of sockets) {
    await connects(s, 2);
    assert.equal(s.recovered, true);
  }
  for (const s of sockets) {
    await waitFor('the missed events', () => roomEvents(s, room.id).length >= 1 + missed.length);
  }
  await sleep(300);
  for (const s of sockets) assert.deepEqual(roomEvents(s, room.id), ['new:before kill', ...missed]);
});

test('kill -9 during a send burst: every acknowledged message reaches every reconnected client once', async () => {
  const room = await roomOf(customer, owner);
  const readers = [client(io47, customer.token), client(io48, customer.token)];
  const sender = client(io48, owner.token);
  for (const s of [...readers, sender]) await connects(s, 1);
  const acked = new Set();
  let stop = false;
  const burst = (async () => {
    for (let i = 0; i < 2000 && !stop; i++) {
      try {
        const reply = await sender.timeout(2000).emitWithAck('send_message', {
          chat_room_id: room.id, content: `burst ${i}`, client_msg_id: `burst-${i}`,
        });
        if (reply.ok) acked.add(`burst ${i}`);
      } catch {
        await sleep(50);
      }
    }
  })();
  await waitFor('a burst under way', () => acked.size >= 50);
  await servers[0].kill9();
  relay.cut();
  stop = true;
  await burst;
  assert.ok(acked.size >= 50);
  await servers[0].start();
  relay.target = servers[0].addr;
  for (const s of readers) {
    await connects(s, 2);
    assert.equal(s.recovered, true);
  }
  for (const s of readers) {
    await waitFor('every acknowledged message', () => {
      const got = new Set(roomEvents(s, room.id).map((e) => e.slice(4)));
      return [...acked].every((m) => got.has(m));
    });
    const got = roomEvents(s, room.id).map((e) => e.slice(4));
    assert.equal(new Set(got).size, got.length, 'no message twice');
    const order = got.map((m) => Number(m.split(' ')[1]));
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'in order');
  }
});

test('every event carries an offset string as its last argument', async () => {
  const c = client(io48, customer.token);
  await connects(c, 1);
  const first = c.seen.find((e) => e.event === 'connected');
  assert.equal(first.args, 2);
  assert.equal(typeof c._lastOffset, 'string');
});
