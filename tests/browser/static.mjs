// A tiny static server for the seed's page, so the page comes from an origin other than the
// chat server's (a browser then applies CORS to its polling requests). It serves only
// chat.html and socket.io-client 4.7.2's browser bundle from node_modules (the seed loads it
// from a CDN, which is out of reach here); anything else is a 404.
//
// Used by page.test.mjs; by hand: node static.mjs PORT, then open
// http://127.0.0.1:PORT/?server=http://127.0.0.1:3000&token=JWT&room=ROOM_ID
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const dist = 'node_modules/socket.io-client/dist/';
const FILES = {
  '/': ['chat.html', 'text/html; charset=utf-8'],
  '/chat.html': ['chat.html', 'text/html; charset=utf-8'],
  '/socket.io.min.js': [dist + 'socket.io.min.js', 'text/javascript; charset=utf-8'],
  // The bundle names its source map; serve it too in case anything asks.
  '/socket.io.min.js.map': [dist + 'socket.io.min.js.map', 'application/json'],
};

/** Listens on 127.0.0.1:port (0: any free port); resolves with the server and its origin. */
export function serveStatic(port = 0) {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://page').pathname;
    if (path === '/favicon.ico') {
      // Chromium asks for one; an empty answer keeps a 404 out of the error log.
      res.writeHead(204).end();
      return;
    }
    const file = FILES[path];
    if (req.method !== 'GET' || !file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    try {
      const body = await readFile(here(file[0]));
      res.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-store' }).end(body);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve({ server, origin: `http://127.0.0.1:${server.address().port}` });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { origin } = await serveStatic(Number(process.argv[2] ?? 0));
  console.log(`serving the seed page at ${origin}/`);
}
