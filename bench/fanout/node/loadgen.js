'use strict';
// Fan-out load generator: N viewers and one sender over raw websockets, speaking Engine.IO v4 /
// Socket.IO v5 directly (no socket.io-client), so one process can hold thousands of connections
// and the same code drives Boothcast and the Node peer server.
//
// Driven by run.py over stdin/stdout, one JSON object per line:
//   -> {"ev":"base"}      sender connected, tokens fetched: sample the server's RSS now
//   <- "go"
//   -> {"ev":"ready"}     every viewer connected and joined: sample RSS again
//   <- "go"
//   -> {"ev":"result", ...}
//
// Config is one JSON argument: {url, viewers, burst, rate, seconds, mode, boothId?, slug?,
//   email?, password?, lang, batch, connectConcurrency}

const WebSocket = require('ws');
const { performance } = require('perf_hooks');

const cfg = JSON.parse(process.argv[2]);
const now = () => performance.now();
const log = (...a) => process.stderr.write(`[loadgen] ${a.join(' ')}\n`);
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

let stdinBuf = '';
const stdinWaiters = [];
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  stdinBuf += d;
  let i;
  while ((i = stdinBuf.indexOf('\n')) >= 0) {
    stdinBuf = stdinBuf.slice(i + 1);
    const w = stdinWaiters.shift();
    if (w) w();
  }
});
const waitGo = () => new Promise((r) => stdinWaiters.push(r));

// --- delivery accounting ------------------------------------------------------------------------
// Message number n is sent at sentAt[n]; a delivery is any occurrence of its marker in a frame.
// Frames are scanned as bytes (no string conversion, no JSON.parse): the generator must stay far
// cheaper than the servers it measures. Only the "text" field is matched: Boothcast frames also
// carry the marker in "original".
const MAX_MSGS = 100000;
const sentAt = new Float64Array(MAX_MSGS);
const MARK = Buffer.from('"text":"@@');
let phase = null; // {first, last, latencies: [], count, lastAt}

function onChatFrame(buf) {
  if (phase === null) return;
  const t = now();
  let i = buf.indexOf(MARK, 3);
  while (i >= 0) {
    let j = i + MARK.length, n = 0, c;
    while ((c = buf[j]) >= 48 && c <= 57) { n = n * 10 + (c - 48); j++; }
    if (n >= phase.first && n <= phase.last) {
      phase.latencies.push(t - sentAt[n]);
      phase.count++;
      phase.lastAt = t;
    }
    i = buf.indexOf(MARK, j);
  }
}

// --- one Socket.IO client over a raw websocket ---------------------------------------------------
class Client {
  constructor(auth) {
    this.auth = auth;
    this.acks = new Map();
    this.nextAck = 0;
  }

  connect() {
    const wsUrl = cfg.url.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket';
    return new Promise((resolve, reject) => {
      // Default options: like a browser, the client offers permessage-deflate.
      const ws = new WebSocket(wsUrl, { skipUTF8Validation: true });
      this.ws = ws;
      let connected = false;
      const timer = setTimeout(() => reject(new Error('connect timeout')), 120000);
      ws.on('error', (e) => { if (!connected) { clearTimeout(timer); reject(e); } });
      ws.on('close', () => { if (!connected) { clearTimeout(timer); reject(new Error('closed during connect')); } this.closed = true; });
      ws.on('message', (data) => {
        const c = data[0];
        if (c === 50 /* '2' ping */) { ws.send('3'); return; }
        if (c === 48 /* '0' open */) { ws.send('40' + JSON.stringify(this.auth)); return; }
        if (c !== 52 /* '4' message */) return;
        const t = data[1];
        if (t === 50 /* '2' event */) {
          if (this.onEvent) this.onEvent(data);
          onChatFrame(data);
          return;
        }
        const s = data.toString();
        if (t === 51 /* '3' ack */) {
          const j = s.indexOf('[');
          const id = +s.slice(2, j);
          const cb = this.acks.get(id);
          if (cb) { this.acks.delete(id); cb(JSON.parse(s.slice(j))[0]); }
        } else if (t === 48 /* '0' connect */) {
          connected = true; clearTimeout(timer); resolve();
        } else if (t === 52 /* '4' connect_error */) {
          clearTimeout(timer); reject(new Error('connect refused: ' + s.slice(2)));
        }
      });
    });
  }

  send(event, data) {
    const id = this.nextAck++;
    return new Promise((resolve) => {
      this.acks.set(id, resolve);
      this.ws.send('42' + id + JSON.stringify([event, data]));
    });
  }
}

// --- helpers --------------------------------------------------------------------------------------
async function post(path, body) {
  const r = await fetch(cfg.url + path, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

async function pool(n, concurrency, fn) {
  const out = new Array(n);
  let next = 0;
  async function worker() {
    while (next < n) { const i = next++; out[i] = await fn(i); }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return out;
}

function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Waits until every expected delivery arrived, or nothing new arrived for `idleMs`.
async function drain(expected, idleMs) {
  let seen = -1, since = now();
  while (phase.count < expected) {
    await sleep(20);
    if (phase.count !== seen) { seen = phase.count; since = now(); }
    else if (now() - since > idleMs) break;
  }
}

function summary(name, expected, t0, tEnd) {
  const lat = Float64Array.from(phase.latencies).sort();
  const span = (phase.lastAt || tEnd) - t0;
  return {
    name, expected, delivered: phase.count,
    seconds: +(span / 1000).toFixed(3),
    deliveries_per_s: Math.round(phase.count / (span / 1000)),
    p50_ms: lat.length ? +pct(lat, 50).toFixed(1) : null,
    p95_ms: lat.length ? +pct(lat, 95).toFixed(1) : null,
    p99_ms: lat.length ? +pct(lat, 99).toFixed(1) : null,
    max_ms: lat.length ? +lat[lat.length - 1].toFixed(1) : null,
  };
}

let msgNo = 1;
// How long the sender waits for its ack (the server's commit, for Boothcast).
const ackedAt = new Float64Array(MAX_MSGS);
function sendChat(sender, boothId, n) {
  return sender.send('chat:send', { booth_id: boothId, text: chatText(n) }).then((a) => { ackedAt[n] = now(); return a; });
}
function ackStats(first, last) {
  const l = [];
  for (let n = first; n <= last; n++) if (ackedAt[n]) l.push(ackedAt[n] - sentAt[n]);
  const a = Float64Array.from(l).sort();
  return { ack_p50_ms: a.length ? +pct(a, 50).toFixed(1) : null, ack_p99_ms: a.length ? +pct(a, 99).toFixed(1) : null };
}
function chatText(n) { return `@@${n}@@ bench message number ${n}, LED panel 600x600 FOB Shenzhen`; }

// --- main -----------------------------------------------------------------------------------------
async function main() {
  const boothcast = cfg.mode === 'boothcast';
  let boothId = cfg.boothId || 1;
  let senderAuth = { token: 'sender' };
  let viewerTokens;
  if (boothcast) {
    const login = await post('/api/auth/login', { email: cfg.email, password: cfg.password });
    senderAuth = { token: login.token, batch: cfg.batch };
    boothId = login.user.booth_id;
    const t0 = now();
    viewerTokens = await pool(cfg.viewers, 32, (i) =>
      post('/api/auth/guest', { display_name: `viewer ${i}`, lang: cfg.lang }).then((r) => r.token));
    log(`signed in ${cfg.viewers} guests in ${((now() - t0) / 1000).toFixed(1)} s`);
  } else {
    viewerTokens = Array.from({ length: cfg.viewers }, (_, i) => `viewer-${i}`);
  }

  const sender = new Client(senderAuth);
  // Join storm: the sender (already in the booth) notes when presence first reports the storm,
  // and when it first reports every viewer (presence is coalesced, so only eventually).
  let storm = null; // {t0, firstPresence, fullPresence}
  const PRESENCE = Buffer.from('42["presence:update"');
  sender.onEvent = (data) => {
    if (storm === null || storm.fullPresence !== null || data.indexOf(PRESENCE) !== 0) return;
    const t = now() - storm.t0;
    if (storm.firstPresence === null) storm.firstPresence = t;
    const p = JSON.parse(data.toString().slice(2))[1];
    // The sender is the booth's supplier: staff are not counted in `viewers` (docs/protocol.md).
    if (p.viewers >= cfg.viewers) storm.fullPresence = t;
  };
  await sender.connect();
  const sj = await sender.send('booth:join', { booth_id: boothId });
  if (!sj.ok) throw new Error('sender join failed: ' + JSON.stringify(sj));
  emit({ ev: 'base' });
  await waitGo();

  const t0 = now();
  storm = { t0, firstPresence: null, fullPresence: null };
  const joinMs = new Float64Array(cfg.viewers); // connect start → join ack, per viewer
  const ackMs = new Float64Array(cfg.viewers); // join sent → join ack
  let lastJoin = 0;
  const viewers = await pool(cfg.viewers, cfg.connectConcurrency, async (i) => {
    const c = new Client(boothcast ? { token: viewerTokens[i], batch: cfg.batch } : { token: viewerTokens[i] });
    const started = now();
    await c.connect();
    const sent = now();
    const ack = await c.send('booth:join', { booth_id: boothId });
    if (!ack.ok) throw new Error('join failed: ' + JSON.stringify(ack).slice(0, 200));
    const t = now();
    joinMs[i] = t - started;
    ackMs[i] = t - sent;
    lastJoin = Math.max(lastJoin, t);
    return c;
  });
  const joinSeconds = (lastJoin - t0) / 1000;
  log(`connected and joined ${viewers.length} viewers in ${joinSeconds.toFixed(1)} s`);
  // Let presence pushes and join traffic settle before measuring (and, coalesced, report everyone).
  const settleUntil = now() + (cfg.settleMs || 1500);
  while (now() < settleUntil || (boothcast && storm.fullPresence === null && now() < settleUntil + 5000)) await sleep(20);
  const j = Float64Array.from(joinMs).sort(), a = Float64Array.from(ackMs).sort();
  const ms = (v) => (v === null ? null : +v.toFixed(1));
  emit({
    ev: 'ready', connect_seconds: +joinSeconds.toFixed(2),
    join: {
      seconds: +joinSeconds.toFixed(2), joins_per_s: Math.round(cfg.viewers / joinSeconds),
      p50_ms: ms(pct(j, 50)), p99_ms: ms(pct(j, 99)), ack_p50_ms: ms(pct(a, 50)), ack_p99_ms: ms(pct(a, 99)),
      first_presence_ms: ms(storm.firstPresence), full_presence_ms: ms(storm.fullPresence),
    },
  });
  await waitGo();

  const results = [];
  const audience = cfg.viewers + 1; // the sender is in the booth too and receives its own messages
  const ackErrors = [];

  // (a) burst: everything sent back to back, acks not awaited before the next send.
  if (cfg.burst > 0) {
    const first = msgNo, last = msgNo + cfg.burst - 1;
    phase = { first, last, latencies: [], count: 0, lastAt: 0 };
    const t = now();
    const acks = [];
    for (let n = first; n <= last; n++) {
      sentAt[n] = now();
      acks.push(sendChat(sender, boothId, n));
    }
    msgNo = last + 1;
    await drain(audience * cfg.burst, 10000);
    (await Promise.all(acks)).forEach((a) => { if (!a.ok) ackErrors.push(a); });
    results.push({ ...summary('burst', audience * cfg.burst, t, now()), ...ackStats(first, last) });
    log(JSON.stringify(results[results.length - 1]));
    await sleep(1000);
  }

  // (b) steady rate: messages on a fixed schedule (catching up if a timer fires late).
  if (cfg.rate > 0 && cfg.seconds > 0) {
    const total = Math.round(cfg.rate * cfg.seconds);
    const first = msgNo, last = msgNo + total - 1;
    phase = { first, last, latencies: [], count: 0, lastAt: 0 };
    const t = now();
    const acks = [];
    let n = first;
    while (n <= last) {
      const due = first + Math.floor(((now() - t) / 1000) * cfg.rate);
      while (n <= last && n <= due) {
        sentAt[n] = now();
        acks.push(sendChat(sender, boothId, n));
        n++;
      }
      await sleep(Math.max(1, 1000 / cfg.rate / 2));
    }
    msgNo = last + 1;
    const sendEnd = now();
    await drain(audience * total, 10000);
    (await Promise.all(acks)).forEach((a) => { if (!a.ok) ackErrors.push(a); });
    const s = { ...summary('steady', audience * total, t, now()), ...ackStats(first, last) };
    // Deliveries/s over the sending window: the offered load, if the server keeps up.
    s.deliveries_per_s = Math.round(phase.count / Math.max((sendEnd - t) / 1000, (phase.lastAt - t) / 1000));
    s.rate = cfg.rate;
    results.push(s);
    log(JSON.stringify(s));
  }

  emit({ ev: 'result', viewers: cfg.viewers, results, ack_errors: ackErrors.slice(0, 5), ack_error_count: ackErrors.length });
  for (const c of viewers) c.ws.terminate();
  sender.ws.terminate();
  setTimeout(() => process.exit(0), 200);
}

main().catch((e) => { log('failed:', e && e.stack || e); emit({ ev: 'error', error: String(e) }); process.exit(1); });
