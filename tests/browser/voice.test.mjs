// Voice messages in headless Chromium (contract v3): a recording sent as a voice message plays
// in a plain `<audio>` element from its signed URL, on a page of another origin with no token.
// The browser's own reading of its length matches the server's `duration_ms` (± 0.2 s), every
// request the element makes is a `Range` request answered 206, and seeking works (in the long
// recording, by asking for the bytes from the middle). Two recordings: a 5-minute Ogg/Opus
// that ffmpeg makes, and one the page records itself with
// MediaRecorder from Chromium's fake microphone (WebM/Opus without a duration in its header,
// as browsers write it), uploaded with FormData as the README shows.
//
// Needs a running server, which scripts/test.sh provides:
//   TIGO_URL          the chat server, started with FRONTEND_URL=http://127.0.0.1:$PAGE_PORT
//   PAGE_PORT         the loopback port this test serves the page on (the allowed origin)
//   FIRST_EMAIL       a Customer; SUPPORT_EMAIL an Admin; USER_PASSWORD both passwords
//   CHROMIUM          the browser (default /usr/bin/chromium); ffmpeg on the PATH
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { api, launchChromium, login, WAIT } from './client.mjs';
import { serveStatic } from './static.mjs';

const env = process.env;
const URL = env.TIGO_URL;
for (const name of ['TIGO_URL', 'PAGE_PORT', 'FIRST_EMAIL', 'SUPPORT_EMAIL', 'USER_PASSWORD']) {
  assert.ok(env[name], `${name} is not set: run scripts/test.sh`);
}

let browser, page, guest, room;

before(async () => {
  const support = await login(env.SUPPORT_EMAIL);
  guest = await login(env.FIRST_EMAIL);
  // Voice messages go to support rooms (VOICE_MESSAGES' default).
  const res = await api('POST', '/chat/rooms', guest.token, {
    type: 'customer_admin',
    participant1_id: guest.user.id,
    participant2_id: support.user.id,
  });
  assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
  room = res.body;
  page = await serveStatic(Number(env.PAGE_PORT));
  browser = await launchChromium([
    // A microphone that plays a beep, allowed without asking.
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
  ]);
});

after(async () => {
  await browser?.close();
  page?.server.close();
});

/** A tab on the page's origin that notes every request for the chat server's files. */
async function mediaTab() {
  const tab = await browser.newPage();
  tab.setDefaultTimeout(WAIT);
  const files = [];
  tab.on('response', (res) => {
    if (res.url().startsWith(`${URL}/chat/files/`)) {
      files.push({ range: res.request().headers().range, status: res.status(), contentRange: res.headers()['content-range'] });
    }
  });
  await tab.goto(`${page.origin}/`, { waitUntil: 'load', timeout: WAIT });
  return { tab, files };
}

/**
 * In the page: loads `src` in an `<audio>` element and reads its duration; a recording whose
 * header has none (a MediaRecorder WebM reads `Infinity`) is sought to its end first, as web
 * players do. Then seeks to the middle. Resolves with what the element says.
 */
function play(src) {
  return new Promise((resolve, reject) => {
    const audio = document.createElement('audio');
    audio.preload = 'auto';
    audio.onerror = () => reject(new Error(`audio error ${audio.error?.code}: ${audio.error?.message}`));
    const seekMiddle = (duration) => {
      audio.onseeked = () => resolve({ duration, current: audio.currentTime });
      audio.currentTime = duration / 2;
    };
    audio.onloadedmetadata = () => {
      if (Number.isFinite(audio.duration)) {
        seekMiddle(audio.duration);
        return;
      }
      audio.ondurationchange = () => {
        if (!Number.isFinite(audio.duration)) return;
        audio.ondurationchange = null;
        const duration = audio.duration;
        audio.onseeked = () => seekMiddle(duration);
        audio.currentTime = 0;
      };
      audio.currentTime = 1e101;
    };
    audio.src = src;
    document.body.appendChild(audio);
  });
}

/** The browser's length agrees with the server's; every file request was ranged (206). */
function assertPlayed(played, sent, files) {
  const serverMs = sent.metadata.attachment.duration_ms;
  assert.ok(Math.abs(played.duration * 1000 - serverMs) <= 200, `browser ${played.duration} s, server ${serverMs} ms`);
  assert.ok(Math.abs(played.current - played.duration / 2) < 0.25, `sought to ${played.current} of ${played.duration}`);
  assert.ok(files.length > 0, 'the audio element fetched nothing');
  for (const file of files) {
    assert.match(file.range ?? '', /^bytes=\d+-\d*$/, JSON.stringify(files));
    assert.equal(file.status, 206, JSON.stringify(files));
    assert.match(file.contentRange ?? '', /^bytes \d+-\d+\/\d+$/, JSON.stringify(files));
  }
  return `browser ${played.duration.toFixed(3)} s, server ${serverMs} ms; requests ${JSON.stringify(files)}`;
}

test('an Ogg/Opus voice message plays in <audio>: its duration, ranged requests, a seek', { timeout: 60_000 }, async (t) => {
  // 5 minutes at 440 Hz, long enough that the element fetches the middle when it seeks there.
  const ogg = execFileSync('ffmpeg', [
    '-v', 'error', '-nostdin', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=300', '-ac', '1',
    '-c:a', 'libopus', '-b:a', '32k', '-f', 'ogg', 'pipe:1',
  ], { maxBuffer: 16 * 1024 * 1024 });
  const up = await fetch(`${URL}/chat/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${guest.token}`, 'x-file-name': 'voice.ogg' },
    body: ogg,
    signal: AbortSignal.timeout(WAIT),
  }).then((r) => r.json());
  assert.equal(up.content_type, 'audio/ogg', JSON.stringify(up));
  assert.equal(up.waveform.length, 64);
  const sent = await api('POST', '/chat/messages', guest.token, { chat_room_id: room.id, content: '', type: 'voice', attachment_id: up.id });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  assert.equal(sent.body.type, 'voice');
  const { tab, files } = await mediaTab();
  try {
    const played = await tab.evaluate(play, sent.body.file_url);
    assert.ok(Math.abs(played.duration - 300) <= 0.2, `${played.duration} s`);
    t.diagnostic(assertPlayed(played, sent.body, files));
    assert.ok(files.some((file) => !file.range.startsWith('bytes=0-')), `no seek by Range: ${JSON.stringify(files)}`);
  } finally {
    await tab.close();
  }
});

test('a recording made in the page with MediaRecorder is sent as a voice message and plays back', { timeout: 60_000 }, async (t) => {
  const { tab, files } = await mediaTab();
  try {
    const sent = await tab.evaluate(async (server, token, roomId) => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const recorder = new MediaRecorder(stream, { mimeType: 'audio/webm;codecs=opus' });
      const chunks = [];
      recorder.ondataavailable = (e) => chunks.push(e.data);
      const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
      recorder.start(250);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      recorder.stop();
      await stopped;
      stream.getTracks().forEach((track) => track.stop());
      const form = new FormData();
      form.append('file', new Blob(chunks, { type: recorder.mimeType }), 'recording.webm');
      const auth = { authorization: `Bearer ${token}` };
      const up = await (await fetch(`${server}/chat/uploads`, { method: 'POST', body: form, headers: auth })).json();
      const res = await fetch(`${server}/chat/messages`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ chat_room_id: roomId, content: '', type: 'voice', attachment_id: up.id }),
      });
      return { status: res.status, up, message: await res.json() };
    }, URL, guest.token, room.id);
    assert.equal(sent.up.content_type, 'audio/webm', JSON.stringify(sent.up));
    assert.ok(sent.up.duration_ms >= 2000 && sent.up.duration_ms <= 3000, JSON.stringify(sent.up));
    assert.equal(sent.status, 201, JSON.stringify(sent.message));
    const played = await tab.evaluate(play, sent.message.file_url);
    t.diagnostic(assertPlayed(played, sent.message, files));
  } finally {
    await tab.close();
  }
});
