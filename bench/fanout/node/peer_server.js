'use strict';
// The reference point: a minimal socket.io v4 server doing Boothcast's broadcast with library
// defaults (no persistence, no auth, no translation). `booth:join` joins a room; `chat:send` acks
// and emits a ChatMessage-shaped `chat:message` to that room.
//   node peer_server.js PORT

const http = require('http');
const { Server } = require('socket.io');

const port = +process.argv[2] || 8091;
const httpServer = http.createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
  res.end('{"status":"ok"}');
});
const io = new Server(httpServer, { transports: ['websocket'], maxHttpBufferSize: 1e6 });

const seqs = new Map();
let nextId = 1;

io.on('connection', (socket) => {
  socket.on('booth:join', (p, ack) => {
    socket.join(`b:${p.booth_id}`);
    if (typeof ack === 'function') ack({ ok: true, booth: { id: p.booth_id }, history: [] });
  });
  socket.on('chat:send', (p, ack) => {
    const seq = (seqs.get(p.booth_id) || 0) + 1;
    seqs.set(p.booth_id, seq);
    const id = nextId++;
    if (typeof ack === 'function') ack({ ok: true, message: { id, seq } });
    io.to(`b:${p.booth_id}`).emit('chat:message', {
      id, seq, booth_id: p.booth_id,
      author: { id: 1, display_name: 'Brightway Lighting', role: 'supplier' },
      source_lang: 'zh', text: p.text, original: p.text, translated: false,
      created_at: new Date().toISOString(), client_id: null, session_id: null, stream_offset_ms: null,
    });
  });
});

httpServer.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
