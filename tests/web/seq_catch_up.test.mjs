// SeqCatchUp (web/static/chat.js): when the booth page fetches missed messages with chat:history.
// Run by tests/test_web_catch_up.py with `node --test`; timers are mocked, nothing sleeps.

import { test, mock } from 'node:test';
import assert from 'node:assert/strict';

const { SeqCatchUp } = await import('../../web/static/chat.js');

/** A booth on the server: seqs 1..n, some hidden; chat:history answers like the real one. */
function booth(n, hidden = []) {
  const b = { messages: [], calls: [], answer: null };
  b.add = (upTo) => { for (let s = b.messages.length + 1; s <= upTo; s += 1) b.messages.push({ id: s, seq: s, hidden: hidden.includes(s) }); };
  b.add(n);
  b.fetch = async (afterSeq) => {
    b.calls.push(afterSeq);
    if (b.answer) return b.answer(afterSeq);
    const after = b.messages.filter((m) => m.seq > afterSeq && !m.hidden);
    return { ok: true, messages: after.slice(0, 3), more: after.length > 3 };
  };
  return b;
}

function client(b) {
  const shown = new Set();
  const c = new SeqCatchUp(b.fetch, (ms) => ms.forEach((m) => shown.add(m.seq)), { settleMs: 500 });
  c.shown = shown;
  c.live = (...seqs) => { seqs.forEach((s) => shown.add(s)); c.seen(seqs); };
  return c;
}

const flush = async () => { for (let i = 0; i < 20; i += 1) await Promise.resolve(); };

test('in order, or a gap that fills within the settle time: no fetch', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const b = booth(5);
    const c = client(b);
    c.joined(b.messages);
    c.live(6, 7, 9);
    mock.timers.tick(300);
    c.live(8); // messages from two nodes arrived out of order
    mock.timers.tick(1000);
    await flush();
    assert.deepEqual(b.calls, []);
    assert.equal(c.known, 9);
  } finally { mock.timers.reset(); }
});

test('a gap that stays is fetched after the last seq held without a hole, paged, hidden skipped', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const b = booth(5, [9]);
    const c = client(b);
    c.joined(b.messages);
    b.add(12);
    c.live(12); // 6..11 missed; 9 was hidden
    mock.timers.tick(499);
    await flush();
    assert.deepEqual(b.calls, []);
    mock.timers.tick(1);
    await flush();
    assert.deepEqual(b.calls, [5, 8]); // two pages of three
    assert.deepEqual([...c.shown].sort((x, y) => x - y), [6, 7, 8, 10, 11, 12]);
    assert.equal(c.known, 12);
    c.live(13);
    mock.timers.tick(1000);
    await flush();
    assert.equal(b.calls.length, 2, 'the hidden hole is not fetched again');
  } finally { mock.timers.reset(); }
});

test('chat:resync past what the page holds fetches the rest; at or below it, nothing', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const b = booth(3);
    const c = client(b);
    c.joined(b.messages);
    c.resync(3);
    mock.timers.tick(1000);
    await flush();
    assert.deepEqual(b.calls, []);
    b.add(5);
    c.resync(5); // a quiet booth: no later message would show the gap
    mock.timers.tick(500);
    await flush();
    assert.deepEqual(b.calls, [3]);
    assert.equal(c.known, 5);
  } finally { mock.timers.reset(); }
});

test('after a reconnect the page fetches from where it was at once, even past the join history', async () => {
  const b = booth(10);
  const c = client(b);
  c.joined(b.messages);
  b.add(20);
  const history = b.messages.slice(-2); // the join's history holds only the latest
  c.joined(history);
  await flush();
  assert.deepEqual(b.calls, [10, 13, 16]);
  assert.equal(c.known, 20);
});

test('rate_limited waits retry_after; other failures do not loop', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const b = booth(2);
    const c = client(b);
    c.joined(b.messages);
    b.add(5);
    b.answer = () => ({ ok: false, error: { code: 'rate_limited', retry_after: 2 } });
    c.live(5);
    mock.timers.tick(500);
    await flush();
    assert.equal(b.calls.length, 1);
    b.answer = null;
    mock.timers.tick(1999);
    await flush();
    assert.equal(b.calls.length, 1);
    mock.timers.tick(1);
    await flush();
    assert.equal(b.calls.length, 2);
    assert.equal(c.known, 5);

    b.add(8);
    b.answer = () => ({ ok: false, error: { code: 'timeout' } });
    c.live(8);
    mock.timers.tick(500);
    await flush();
    mock.timers.tick(60_000);
    await flush();
    assert.equal(b.calls.length, 3, 'a failed fetch waits for the next message, resync or join');
    b.answer = null;
    b.add(9);
    c.live(9);
    mock.timers.tick(500);
    await flush();
    assert.equal(b.calls.length, 4);
    assert.equal(c.known, 9);
  } finally { mock.timers.reset(); }
});

test('a live message newer than the answer does not count as held', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const b = booth(2);
    const c = client(b);
    c.joined(b.messages);
    b.add(4);
    let release;
    b.answer = (afterSeq) => new Promise((resolve) => {
      release = () => resolve({ ok: true, messages: b.messages.filter((m) => m.seq > afterSeq && m.seq <= 4), more: false });
    });
    c.live(4);
    mock.timers.tick(500);
    await flush();
    assert.deepEqual(b.calls, [2]);
    b.add(7);
    c.live(7); // arrives while the answer (up to 4) is on its way; 5 and 6 are still missing
    release();
    await flush();
    assert.equal(c.known, 4);
    b.answer = null;
    mock.timers.tick(500);
    await flush();
    assert.deepEqual(b.calls, [2, 4]);
    assert.equal(c.known, 7);
  } finally { mock.timers.reset(); }
});
