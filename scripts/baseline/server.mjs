// A lean Node.js Socket.IO chat service, the baseline issue 6 compares tigo-chat with: the
// official socket.io server and Redis adapter, node-postgres, one INSERT per message. It speaks
// the part of tigo-chat's wire contract that `tigo-chat bench` uses (namespace /chat, JWT in the
// auth payload, `connected`, `send_message` → `message_sent` to the sender and `new_message` to
// the room) over tigo-chat's own schema, so both run the same bench against the same database.
// Not part of the product: scripts/bench.sh baseline starts it.
//   DATABASE_URL=postgres://… REDIS_URL=redis://… JWT_SECRET=… PORT=0 node server.mjs
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { Server } from "socket.io";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import pg from "pg";
import jwt from "jsonwebtoken";

const secret = process.env.JWT_SECRET;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const pub = createClient({ url: process.env.REDIS_URL });
const sub = pub.duplicate();
await Promise.all([pub.connect(), sub.connect()]);

const http = createServer((req, res) => {
  res.writeHead(req.url === "/chat/health" ? 200 : 404, { "content-type": "application/json" });
  res.end(req.url === "/chat/health" ? '{"status":"ok"}' : '{"error":"not found"}');
});
const io = new Server(http, { transports: ["websocket"], adapter: createAdapter(pub, sub) });
const chat = io.of("/chat");

chat.use((socket, next) => {
  try {
    const claims = jwt.verify(socket.handshake.auth?.token ?? "", secret, { algorithms: ["HS256"] });
    socket.data.user = claims.sub;
    next();
  } catch {
    next(new Error("unauthorized"));
  }
});

const INSERT = `INSERT INTO chat_messages (id, chat_room_id, sender_id, content)
  SELECT $1, id, $2, $3 FROM chat_rooms
  WHERE id = $4 AND $2 IN (participant1_id, participant2_id)
  RETURNING id, chat_room_id, sender_id, content, type, 'sent' AS status, file_url, file_name,
    file_size, metadata, is_edited, edited_at, created_at, updated_at`;

chat.on("connection", async (socket) => {
  const user = socket.data.user;
  socket.on("send_message", async (data) => {
    try {
      const { rows } = await pool.query({
        name: "insert_message",
        text: INSERT,
        values: [randomUUID(), user, String(data?.content ?? ""), data?.chat_room_id],
      });
      if (rows.length === 0) return socket.emit("error", { message: "not a participant" });
      // The whole message of the contract, as tigo-chat sends it (its typed clients require
      // every field); the sender is the connected user, loaded once per connection.
      const message = { ...rows[0], sender: socket.data.summary, reply_to: null, reactions: [] };
      socket.emit("message_sent", message);
      socket.to(`room:${message.chat_room_id}`).emit("new_message", message);
    } catch {
      socket.emit("error", { message: "could not send" });
    }
  });
  try {
    const { rows: users } = await pool.query({
      name: "summary_of",
      text: "SELECT id, first_name, last_name, email FROM users WHERE id = $1",
      values: [user],
    });
    socket.data.summary = users[0];
    const { rows } = await pool.query({
      name: "rooms_of",
      text: "SELECT id FROM chat_rooms WHERE participant1_id = $1 OR participant2_id = $1",
      values: [user],
    });
    socket.join([`user:${user}`, ...rows.map((r) => `room:${r.id}`)]);
    socket.emit("connected", { user_id: user });
  } catch {
    socket.disconnect(true);
  }
});

http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  // The same line scripts/lib.sh waits for from tigo-chat.
  console.log(`baseline listening addr=127.0.0.1:${http.address().port}`);
});
process.on("SIGTERM", () => process.exit(0));
