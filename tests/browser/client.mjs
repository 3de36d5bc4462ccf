// What both browser tests need from the chat server and the browser: JSON calls, signing in,
// and a headless Chromium. scripts/test.sh sets TIGO_URL, USER_PASSWORD and CHROMIUM (each test
// checks the variables it needs before it starts).
import assert from 'node:assert/strict';
import puppeteer from 'puppeteer-core';

const env = process.env;

/** How long any single thing may take: a request, something a page must show. */
export const WAIT = 10_000;

/** A JSON request to the chat server, with `token` as bearer when given. */
export async function api(method, path, token, body) {
  const res = await fetch(env.TIGO_URL + path, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(WAIT),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Signs `email` in with the tests' password: its token and user. */
export async function login(email) {
  const res = await api('POST', '/auth/login', null, { email, password: env.USER_PASSWORD });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { token: res.body.access_token, user: res.body.user };
}

/** Debian's Chromium, headless, with `args` beside the two every test needs. */
export function launchChromium(args = []) {
  return puppeteer.launch({
    executablePath: env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', ...args],
    timeout: 30_000,
    protocolTimeout: 30_000, // bounds every DevTools call (a click, a screenshot)
  });
}
