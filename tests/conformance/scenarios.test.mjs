// The seed's testing scenarios (basic flow, multi-user, reconnection, permissions, file
// message), walked with the official socket.io-client 4.x over both transports:
// HTTP long-polling with upgrade (the client's default) and WebSocket only.
//
// Needs TIGO_URL and TIGO_USERS (JSON: {customer, customer2, owner, admin} → {email, password}),
// which scripts/test.sh provides after starting a real server.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { waitFor } from './wait.mjs';

const URL = process.env.TIGO_URL;
const USERS = JSON.parse(process.env.TIGO_USERS ?? '{}');
assert.ok(URL, 'TIGO_URL is not set: run scripts/test.sh');
for (const role of ['customer', 'customer2', 'owner', 'admin']) {
  assert.ok(USERS[role], `TIGO_USERS lacks ${role}`);
}

const TIMEOUT = 5000;
const open = [];

async function api(method, path, token, body) {
  const res = await fetch(URL + path, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function login(role) {
  const { email, password } = USERS[role];
  const res = await api('POST', '/auth/login', null, { email, password });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { token: res.body.access_token, user: res.body.user };
}

/** Resolves with the first `event` payload, or rejects after `ms`. */
function once(socket, event, ms = TIMEOUT) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`timed out waiting for ${event}`));
    }, ms);
    const on = (data) => {
      clearTimeout(timer);
      resolve(data);
    };
    socket.once(event, on);
  });
}

/** Collects `event` payloads for `ms`. */
function collect(socket, event, ms) {
  const seen = [];
  const on = (data) => seen.push(data);
  socket.on(event, on);
  return new Promise((resolve) => setTimeout(() => {
    socket.off(event, on);
    resolve(seen);
  }, ms));
}

/** Connects to /chat exactly as the seed's clients do; resolves after `connected`. */
async function connect(token, transports, extra = {}) {
  const socket = io(`${URL}/chat`, {
    auth: { token },
    extraHeaders: { Authorization: `Bearer ${token}` },
    transports,
    forceNew: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    ...extra,
  });
  open.push(socket);
  const connected = await once(socket, 'connected');
  assert.ok(connected.userId);
  return socket;
}

function ack(socket, event, data) {
  return socket.timeout(TIMEOUT).emitWithAck(event, data);
}

let customer, customer2, owner, admin;

before(async () => {
  [customer, customer2, owner, admin] = await Promise.all(
    ['customer', 'customer2', 'owner', 'admin'].map(login),
  );
});

after(() => {
  for (const socket of open) socket.disconnect();
});

async function roomOf(a, b, type = 'customer_hotel_owner') {
  const res = await api('POST', '/chat/rooms', a.token, {
    type,
    participant1_id: a.user.id,
    participant2_id: b.user.id,
  });
  assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
  return res.body;
}

for (const [name, transports] of [
  ['polling with upgrade', ['polling', 'websocket']],
  ['websocket only', ['websocket']],
]) {
  describe(`over ${name}`, () => {
    test('a missing or bad token gets connect_error and nothing else', async () => {
      const socket = io(`${URL}/chat`, { auth: { token: 'forged' }, transports, forceNew: true, reconnection: false });
      open.push(socket);
      const err = await once(socket, 'connect_error');
      assert.equal(err.message, 'Invalid token');
      assert.equal(socket.connected, false);
      const none = io(`${URL}/chat`, { transports, forceNew: true, reconnection: false });
      open.push(none);
      const err2 = await once(none, 'connect_error');
      assert.match(err2.message, /Authentication required/);
    });

    test('scenario 1, basic flow: messages both ways, delivery, read receipts', async () => {
      const room = await roomOf(customer, owner);
      const c = await connect(customer.token, transports);
      const o = await connect(owner.token, transports);
      const joined = await ack(c, 'join_room', { roomId: room.id });
      assert.equal(joined.ok, true);
      assert.equal(joined.roomId, room.id);

      const heard = once(o, 'new_message');
      const sentEvent = once(c, 'message_sent');
      const reply = await ack(c, 'send_message', { chat_room_id: room.id, content: 'Hello!', type: 'text' });
      assert.equal(reply.ok, true);
      const message = await heard;
      assert.equal(message.content, 'Hello!');
      assert.equal(message.sender.first_name, USERS.customer.first_name ?? message.sender.first_name);
      assert.equal((await sentEvent).messageId, message.id);

      const delivered = await once(c, 'message_delivered');
      assert.equal(delivered.messageId, message.id);

      const answer = once(c, 'new_message', TIMEOUT);
      o.emit('send_message', { chat_room_id: room.id, content: 'Hi, how can I help?' });
      const got = await answer;
      assert.ok(['Hello!', 'Hi, how can I help?'].includes(got.content));

      const read = once(c, 'messages_read');
      const marked = once(o, 'messages_marked_read');
      o.emit('mark_messages_read', { roomId: room.id });
      assert.equal((await read).userId, owner.user.id);
      assert.equal((await marked).roomId, room.id);
      const history = await api('GET', `/chat/rooms/${room.id}/messages?limit=100`, customer.token);
      const mine = history.body.messages.find((m) => m.id === message.id);
      assert.equal(mine.status, 'read');
    });

    test('scenario 2, many users and tabs: everyone hears every message; typing shows', async () => {
      const room = await roomOf(customer, owner);
      const tabs = [await connect(owner.token, transports), await connect(owner.token, transports)];
      const c = await connect(customer.token, transports);
      const a = await connect(admin.token, transports);
      assert.equal((await ack(a, 'join_room', { roomId: room.id })).ok, true);
      const hearing = [...tabs, a, c].map((s) => once(s, 'new_message'));
      await ack(c, 'send_message', { chat_room_id: room.id, content: 'to everyone' });
      for (const m of await Promise.all(hearing)) assert.equal(m.content, 'to everyone');

      const typing = once(tabs[0], 'user_typing');
      const selfTyping = collect(c, 'user_typing', 300);
      c.emit('typing_start', { roomId: room.id });
      const t = await typing;
      assert.deepEqual(t, { userId: customer.user.id, roomId: room.id, isTyping: true });
      assert.equal((await selfTyping).length, 0, 'the typist does not hear itself');
      const stop = once(tabs[1], 'user_typing');
      c.emit('typing_stop', { roomId: room.id });
      // The second tab saw the start first; wait for the stop.
      let s = await stop;
      if (s.isTyping) s = await once(tabs[1], 'user_typing');
      assert.equal(s.isTyping, false);

      const online = await api('GET', `/chat/rooms/${room.id}/online-users`, customer.token);
      assert.equal(online.status, 200);
      assert.ok(online.body.onlineUsers.includes(owner.user.id));
    });

    test('scenario 3, reconnection: rooms are rejoined and missed messages recovered', async () => {
      const room = await roomOf(customer, owner);
      const o = await connect(owner.token, transports);
      const first = once(o, 'new_message');
      await api('POST', '/chat/messages', customer.token, { chat_room_id: room.id, content: 'before the drop' });
      const last = await first;

      // Drop the transport; the client reconnects by itself, possibly while the messages are
      // still being sent: whichever way each one reaches it (recovery, live, or the replay of
      // join_room), it must arrive once and in order.
      const got = [];
      const record = (m) => got.push(m.content);
      o.on('new_message', record);
      const reconnected = once(o, 'connected', 10000);
      o.io.engine.close();
      for (let i = 0; i < 5; i++) {
        await api('POST', '/chat/messages', customer.token, { chat_room_id: room.id, content: `missed ${i}` });
      }
      await reconnected;
      const join = await ack(o, 'join_room', { roomId: room.id, lastMessageId: last.id });
      assert.equal(join.ok, true);
      await api('POST', '/chat/messages', customer.token, { chat_room_id: room.id, content: 'after' });
      await waitFor("'after'", () => got.includes('after'), TIMEOUT);
      await new Promise((resolve) => setTimeout(resolve, 300));
      o.off('new_message', record);
      assert.deepEqual(got, ['missed 0', 'missed 1', 'missed 2', 'missed 3', 'missed 4', 'after']);
    });

    test('reconnection, rejoining on the socket\'s own connect: the recovery replay and the join replay never repeat a message', async () => {
      // Front ends rejoin in their `connect` handler, which fires before the server's
      // `connected` event, while the recovery replay may still be going out.
      const room = await roomOf(customer, owner);
      const o = await connect(owner.token, transports);
      const first = once(o, 'new_message');
      await api('POST', '/chat/messages', customer.token, { chat_room_id: room.id, content: 'anchor' });
      let last = (await first).id;
      const got = [];
      o.on('new_message', (m) => {
        got.push(m.content);
        last = m.id;
      });
      const expected = [];
      for (let round = 0; round < 5; round++) {
        const anchor = last;
        const rejoined = new Promise((resolve, reject) => {
          o.once('connect', () => {
            ack(o, 'join_room', { roomId: room.id, lastMessageId: anchor }).then(resolve, reject);
          });
        });
        o.io.engine.close();
        for (let i = 0; i < 3; i++) {
          const content = `round ${round} missed ${i}`;
          expected.push(content);
          await api('POST', '/chat/messages', customer.token, { chat_room_id: room.id, content });
        }
        const join = await rejoined;
        assert.equal(join.ok, true);
        await waitFor(`round ${round}`, () => expected.every((c) => got.includes(c)), TIMEOUT);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(got, expected);
    });

    test('scenario 4, permissions: wrong roles, strangers, other people\'s messages', async () => {
      const wrong = await api('POST', '/chat/rooms', customer.token, {
        type: 'customer_admin', participant1_id: customer.user.id, participant2_id: owner.user.id,
      });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.statusCode, 400);
      const room = await roomOf(customer, owner);
      const stranger = await connect(customer2.token, transports);
      const denied = await ack(stranger, 'join_room', { roomId: room.id });
      assert.deepEqual(denied, { ok: false, error: { statusCode: 403, message: 'You do not have access to this chat room' } });
      const errorEvent = once(stranger, 'error');
      stranger.emit('send_message', { chat_room_id: room.id, content: 'let me in' });
      assert.equal((await errorEvent).statusCode, 403);
      const rest = await api('GET', `/chat/rooms/${room.id}/messages`, customer2.token);
      assert.equal(rest.status, 403);
      assert.equal(rest.body.error, 'Forbidden');
      const sent = await api('POST', '/chat/messages', customer.token, { chat_room_id: room.id, content: 'mine' });
      const del = await api('DELETE', `/chat/messages/${sent.body.id}`, owner.token);
      assert.equal(del.status, 403);
      const invalid = await ack(stranger, 'send_message', { chat_room_id: 'not-a-uuid', content: '' });
      assert.equal(invalid.ok, false);
      assert.equal(invalid.error.statusCode, 400);
    });

    test('scenario 5, file message: the attachment reaches the other side', async () => {
      const room = await roomOf(customer, owner);
      const o = await connect(owner.token, transports);
      const c = await connect(customer.token, transports);
      const heard = once(o, 'new_message');
      const reply = await ack(c, 'send_message', {
        chat_room_id: room.id,
        content: 'Check out this file',
        type: 'file',
        file_url: 'https://example.com/file.pdf',
        file_name: 'document.pdf',
        file_size: 1024000,
      });
      assert.equal(reply.ok, true);
      const m = await heard;
      assert.equal(m.type, 'file');
      assert.equal(m.file_url, 'https://example.com/file.pdf');
      assert.equal(m.file_name, 'document.pdf');
      assert.equal(m.file_size, 1024000);
      const bad = await ack(c, 'send_message', {
        chat_room_id: room.id, content: 'x', type: 'file', file_url: 'javascript:alert(1)', file_name: 'x',
      });
      assert.equal(bad.ok, false);
      assert.equal(bad.error.statusCode, 400);
    });

    test('a room created later is joined live; deletions and edits are heard', async () => {
      // A pair whose room does not exist yet: one per transport.
      const [user, type] = transports.length === 1 ? [owner, 'hotel_owner_admin'] : [customer, 'customer_admin'];
      const c = await connect(user.token, transports);
      const a = await connect(admin.token, transports);
      const created = once(c, 'room_created');
      const room = await roomOf(user, admin, type);
      assert.equal((await created).id, room.id);
      const heard = once(c, 'new_message');
      const sent = await ack(a, 'send_message', { chat_room_id: room.id, content: 'support here' });
      assert.equal((await heard).id, sent.messageId);
      const edited = once(c, 'message_edited');
      await api('PATCH', `/chat/messages/${sent.messageId}`, admin.token, { content: 'support here!' });
      assert.equal((await edited).content, 'support here!');
      const deleted = once(c, 'message_deleted');
      await api('DELETE', `/chat/messages/${sent.messageId}`, admin.token);
      assert.deepEqual(await deleted, { messageId: sent.messageId, roomId: room.id, deletedBy: admin.user.id });
    });
  });
}
