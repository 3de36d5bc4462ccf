// The seed's HTML client example (chat.html: the seed's page, with socket.io-client 4.7.2 from
// this origin and its placeholders from the query string) opened for two users in headless
// Chromium, from an origin other than the chat server's: both connect with the client's
// default transports (polling, then the WebSocket upgrade) with the token in `auth` and the
// Authorization header, join the room, the second sees the first typing, and shows the first's
// message as the seed renders it, `<b>First:</b> text`; no page error, console error, failed
// request or HTTP error may occur. A page from an origin not in FRONTEND_URL must be refused.
// An uploaded image shows in a plain `<img src>` from its signed URL (no token), and an
// altered URL does not load. Three members of one room (the two participants and a travel
// companion the guest added, contract v3) each see the other two's messages.
//
// Needs a running server and two users, which scripts/test.sh provides:
//   TIGO_URL          the chat server, started with FRONTEND_URL=http://127.0.0.1:$PAGE_PORT
//   PAGE_PORT         the loopback port this test serves the page on (the allowed origin)
//   OTHER_PAGE_PORT   another port, an origin the server must refuse (optional)
//   FIRST_EMAIL, SECOND_EMAIL, USER_PASSWORD
//                     a Customer whose first name is "First" and a HotelOwner ("Second")
//   THIRD_EMAIL       a Customer whose first name is "Third" (the companion; optional)
//   CHROMIUM          the browser (default /usr/bin/chromium); SCREENSHOT: a PNG of page 2
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, launchChromium, login, WAIT } from './client.mjs';
import { serveStatic } from './static.mjs';

const env = process.env;
const URL = env.TIGO_URL;
for (const name of ['TIGO_URL', 'PAGE_PORT', 'FIRST_EMAIL', 'SECOND_EMAIL', 'USER_PASSWORD']) {
  assert.ok(env[name], `${name} is not set: run scripts/test.sh`);
}

const FIRST_TEXT = 'Hello from the first page';
const SECOND_TEXT = 'And hello back from the second';

/** Polls `check` every 50 ms until it returns something truthy; fails after `ms`. */
async function until(what, check, ms = WAIT) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let browser, page, other, first, second, room;
const pages = [];

/**
 * Opens the seed page as `who` from `origin` and records what a person would see go wrong:
 * uncaught errors, console errors (the page's own `Chat error:` and Chromium's CORS and
 * WebSocket messages), failed requests and HTTP errors. `closing` stops the record, since
 * closing a page aborts its pending poll.
 */
async function openPage(label, origin, who, roomId = room.id) {
  const tab = await browser.newPage();
  tab.setDefaultTimeout(WAIT);
  const seen = { label, tab, console: [], errors: [], socketRequests: [], closing: false };
  const problem = (text) => seen.closing || seen.errors.push(`${label}: ${text}`);
  tab.on('console', (msg) => {
    seen.console.push(msg.text());
    if (msg.type() === 'error' || msg.type() === 'assert') problem(`console ${msg.type()}: ${msg.text()}`);
  });
  tab.on('pageerror', (err) => problem(`page error: ${err.message}`));
  tab.on('requestfailed', (req) => problem(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`));
  tab.on('response', (res) => {
    if (res.status() >= 400) problem(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });
  tab.on('request', (req) => {
    if (req.url().includes('/socket.io/')) seen.socketRequests.push(req);
  });
  const query = new URLSearchParams({ server: URL, token: who.token, room: roomId });
  await tab.goto(`${origin}/?${query}`, { waitUntil: 'load', timeout: WAIT });
  pages.push(seen);
  return seen;
}

const logged = (seen, prefix) =>
  until(`"${prefix}" in ${seen.label}'s console`, () => seen.console.find((line) => line.startsWith(prefix)));

const transport = (seen) => seen.tab.evaluate(() => socket.io.engine?.transport?.name);

before(async () => {
  [first, second] = await Promise.all([login(env.FIRST_EMAIL), login(env.SECOND_EMAIL)]);
  assert.equal(first.user.first_name, 'First');
  const res = await api('POST', '/chat/rooms', first.token, {
    type: 'customer_hotel_owner',
    participant1_id: first.user.id,
    participant2_id: second.user.id,
  });
  assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
  room = res.body;
  page = await serveStatic(Number(env.PAGE_PORT));
  if (env.OTHER_PAGE_PORT) other = await serveStatic(Number(env.OTHER_PAGE_PORT));
  browser = await launchChromium();
});

after(async () => {
  for (const seen of pages) seen.closing = true;
  await browser?.close();
  page?.server.close();
  other?.server.close();
});

/**
 * What the pages logged and what went wrong in them, printed as test diagnostics: after a
 * failure, it tells how far each page got.
 */
function tellConsoles(t) {
  for (const seen of pages) {
    for (const line of seen.console) t.diagnostic(`${seen.label}: ${line}`);
    for (const line of seen.errors) t.diagnostic(`problem: ${line}`);
  }
}

test('two seed pages from another origin connect, join, see typing and each other\'s message', { timeout: 90_000 }, async (t) => {
  try {
    await twoPages();
  } finally {
    tellConsoles(t);
  }
});

async function twoPages() {
  const one = await openPage('page 1 (First)', page.origin, first);
  const two = await openPage('page 2 (Second)', page.origin, second);

  for (const seen of [one, two]) {
    await logged(seen, 'Connected to chat server');
    await logged(seen, 'Chat connection confirmed:');
    await logged(seen, `Joined room: ${room.id}`);
    // The client's default transports: the session starts on polling, then upgrades.
    await until(`${seen.label} to upgrade to WebSocket`, async () => (await transport(seen)) === 'websocket');
    const polling = seen.socketRequests.filter((req) => req.url().includes('transport=polling'));
    const polls = polling.filter((req) => req.method() !== 'OPTIONS');
    assert.ok(polls.length > 0, `${seen.label} never polled`);
    // The Authorization header makes each poll a CORS request with a preflight (answered
    // without error, or the response check below would have recorded it).
    assert.ok(polling.some((req) => req.method() === 'OPTIONS'), `${seen.label}: no CORS preflight seen`);
    // extraHeaders reach the polling requests (a browser's WebSocket cannot carry them).
    const token = seen === one ? first.token : second.token;
    assert.ok(
      polls.every((req) => req.headers().authorization === `Bearer ${token}`),
      `${seen.label}: a polling request lacked the Authorization header`,
    );
  }

  // The first person types: the second page logs it (the seed only logs typing), and the
  // seed's one-second timer then sends typing_stop.
  await one.tab.bringToFront(); // a background tab's input would wait forever
  await one.tab.type('#messageInput', FIRST_TEXT, { delay: 20 });
  await logged(two, `User ${first.user.id} is typing`);
  await one.tab.click('button');
  await until("page 2 to show page 1's message", async () =>
    (await two.tab.$eval('#messages', (el) => el.innerHTML)).includes('<b>First:</b>'));
  assert.equal(
    await two.tab.$eval('#messages', (el) => el.innerHTML),
    `<div><b>First:</b> ${FIRST_TEXT}</div>`,
  );
  await logged(two, `User ${first.user.id} is stopped typing`);
  assert.equal(await one.tab.$eval('#messageInput', (el) => el.value), '', 'Send clears the input');

  // And back: the second page sends, the first shows both messages in order.
  await two.tab.bringToFront();
  await two.tab.type('#messageInput', SECOND_TEXT, { delay: 20 });
  await logged(one, `User ${second.user.id} is typing`);
  await two.tab.click('button');
  await until("page 1 to show page 2's message", async () =>
    (await one.tab.$eval('#messages', (el) => el.innerHTML)).includes('<b>Second:</b>'));
  assert.equal(
    await one.tab.$eval('#messages', (el) => el.innerHTML),
    `<div><b>First:</b> ${FIRST_TEXT}</div><div><b>Second:</b> ${SECOND_TEXT}</div>`,
  );

  if (env.SCREENSHOT) await two.tab.screenshot({ path: env.SCREENSHOT });
  // Both still on WebSocket, and nothing went wrong along the way.
  assert.equal(await transport(one), 'websocket');
  assert.equal(await transport(two), 'websocket');
  assert.deepEqual([...one.errors, ...two.errors], []);
  for (const seen of [one, two]) {
    seen.closing = true;
    await seen.tab.close();
  }
}

test('a page from an origin not in FRONTEND_URL is refused', { skip: !env.OTHER_PAGE_PORT, timeout: 60_000 }, async (t) => {
  const stranger = await openPage('page from a refused origin', other.origin, first);
  // Chromium reports the refused preflight as a CORS error on the console.
  const refusal = await until('a CORS error', () => stranger.errors.find((e) => /CORS policy/.test(e)));
  t.diagnostic(`as expected: ${refusal}`);
  assert.equal(stranger.console.find((line) => line.startsWith('Connected')), undefined);
  assert.equal(await stranger.tab.evaluate(() => socket.connected), false);
  stranger.closing = true;
  await stranger.tab.close();
});

// A 2×2 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGO44KAARAwQCgAkDgTB4kUSjgAAAABJRU5ErkJggg==',
  'base64',
);

test('an uploaded image shows in a plain <img src> from its signed URL, and not once the URL is altered', { timeout: 60_000 }, async () => {
  const up = await fetch(`${URL}/chat/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${first.token}`, 'x-file-name': 'room-12.png' },
    body: PNG,
    signal: AbortSignal.timeout(WAIT),
  }).then((r) => r.json());
  assert.equal(up.content_type, 'image/png', JSON.stringify(up));
  const sent = await api('POST', '/chat/messages', first.token, { chat_room_id: room.id, content: '', attachment_id: up.id });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const { file_url: fileUrl } = sent.body;
  const thumbUrl = sent.body.metadata.attachment.thumbnail_url;
  const altered = fileUrl.replace(/sig=(.)/, (_, c) => `sig=${c === '0' ? '1' : '0'}`);
  // A page of another origin, no token anywhere: only the URLs themselves.
  const tab = await browser.newPage();
  try {
    await tab.goto(`http://127.0.0.1:${env.PAGE_PORT}/`, { waitUntil: 'load', timeout: WAIT });
    const loaded = await tab.evaluate(async (urls) => Promise.all(urls.map((src) => new Promise((resolve) => {
      const img = document.createElement('img');
      img.onload = () => resolve({ ok: true, width: img.naturalWidth });
      img.onerror = () => resolve({ ok: false, width: 0 });
      img.src = src;
      document.body.appendChild(img);
    }))), [fileUrl, thumbUrl, altered]);
    assert.deepEqual(loaded, [{ ok: true, width: 2 }, { ok: true, width: 2 }, { ok: false, width: 0 }]);
  } finally {
    await tab.close();
  }
});

test('three members of one room, a companion among them, each see the other two\'s messages', { skip: !env.THIRD_EMAIL, timeout: 90_000 }, async (t) => {
  try {
    await threePages();
  } finally {
    tellConsoles(t);
  }
});

async function threePages() {
  const third = await login(env.THIRD_EMAIL);
  assert.equal(third.user.first_name, 'Third');
  // A room of its own (the pair's room for a hotel the platform never registered), to which
  // the guest adds their travel companion.
  const created = await api('POST', '/chat/rooms', first.token, {
    type: 'customer_hotel_owner',
    participant1_id: first.user.id,
    participant2_id: second.user.id,
    hotel_id: crypto.randomUUID(),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const trip = created.body;
  const added = await api('POST', `/chat/rooms/${trip.id}/members`, first.token, { user_id: third.user.id, role: 'companion' });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  assert.deepEqual(added.body.members.map((m) => [m.user_id, m.role]), [
    [first.user.id, 'participant'], [second.user.id, 'participant'], [third.user.id, 'companion'],
  ]);
  const people = [['First', first], ['Second', second], ['Third', third]];
  const tabs = [];
  for (const [name, who] of people) {
    const seen = await openPage(`trip page (${name})`, page.origin, who, trip.id);
    await logged(seen, `Joined room: ${trip.id}`);
    tabs.push(seen);
  }
  // Each in turn writes; every page, the writer's too, shows it before the next one writes.
  let expected = '';
  for (const [i, [name]] of people.entries()) {
    const text = `${name} says hello to the other two`;
    await tabs[i].tab.bringToFront();
    await tabs[i].tab.type('#messageInput', text, { delay: 10 });
    await tabs[i].tab.click('button');
    expected += `<div><b>${name}:</b> ${text}</div>`;
    for (const seen of tabs) {
      await until(`${seen.label} to show ${name}'s message`, async () =>
        (await seen.tab.$eval('#messages', (el) => el.innerHTML)) === expected);
    }
  }
  assert.deepEqual(tabs.flatMap((seen) => seen.errors), []);
  for (const seen of tabs) {
    seen.closing = true;
    await seen.tab.close();
  }
}
