// The replay page: the recorded session plays with the chat as it was at that moment (in the
// viewer's language), the product pinned at that moment, and "Inquire about this moment".
//
// mountReplay(video, {sessionId, token, lang, chat, extra?}) — `chat` is the page's chat pane:
// {merge(messages), add(message), clear(), pinned(product|null), title(title, subtitle)}.

import { h, newId } from '/static/dom.js';
import { C } from '/static/events.js';
import { errorText, formatDateTime } from '/static/i18n.js';
import { PendingSend } from '/static/pending_send.js';
import { call, openSocket } from '/static/socket.js';
import { attachHls, VOD_CONFIG } from './hls-loader.js';
import { lt } from './strings.js';

export async function mountReplay(video, { sessionId, token, chat, extra } = {}) {
  const r = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  if (!r.ok) {
    chat?.title?.(lt('not_found'), '');
    return null;
  }
  const data = await r.json();
  const replay = new Replay(video, data, { token, chat });
  const slot = extra || document.getElementById('replay-extra') || video.closest('.player')?.parentElement;
  if (slot) replay.renderInquiry(slot);
  await replay.start();
  return replay;
}

function formatOffset(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm}:${ss}` : `${mm}:${ss}`;
}

class Replay {
  constructor(video, data, { token, chat }) {
    this.video = video;
    this.session = data.session;
    this.booth = data.booth;
    this.token = token;
    this.chat = chat || {};
    this.messages = [...(data.chat || [])].sort((a, b) => (a.stream_offset_ms ?? 0) - (b.stream_offset_ms ?? 0));
    this.pins = data.pins || [];
    this.shown = 0; // messages[0..shown) are on screen
    this.pinIndex = -2;
    this.hls = null;
    this.startedAt = Date.parse(this.session.started_at);
  }

  async start() {
    const when = formatDateTime(this.session.started_at);
    const dur = this.session.duration_ms ? ` · ${formatOffset(this.session.duration_ms)}` : '';
    this.chat.title?.(this.booth.name, `${when}${dur}`);
    this.chat.clear?.();
    this.video.dataset.sessionId = String(this.session.id);
    this.video.addEventListener('timeupdate', () => this.sync());
    this.video.addEventListener('seeked', () => this.sync());
    this.sync();
    this.hls = await attachHls(this.video, this.session.hls_url, VOD_CONFIG);
    this.video.play().catch(() => { /* autoplay refused: the controls are there */ });
  }

  /** Milliseconds into the session at the playback position. */
  offsetMs() {
    // Segments carry EXT-X-PROGRAM-DATE-TIME (wall clock), which stays right across a resumed
    // session's gap; messages are stamped with wall-clock offsets from the session start.
    const date = this.hls?.playingDate;
    if (date && !Number.isNaN(this.startedAt)) return Math.max(0, date.getTime() - this.startedAt);
    return Math.round((this.video.currentTime || 0) * 1000);
  }

  sync() {
    const now = this.offsetMs();
    let visible = 0;
    while (visible < this.messages.length && (this.messages[visible].stream_offset_ms ?? 0) <= now) visible += 1;
    if (visible < this.shown) {
      this.chat.clear?.();
      this.shown = 0;
    }
    if (visible > this.shown) {
      this.chat.merge?.(this.messages.slice(this.shown, visible));
      this.shown = visible;
    }
    let pin = -1;
    while (pin + 1 < this.pins.length && this.pins[pin + 1].offset_ms <= now) pin += 1;
    if (pin !== this.pinIndex) {
      this.pinIndex = pin;
      this.chat.pinned?.(pin >= 0 ? this.pins[pin].product : null);
    }
    this.video.dataset.offsetMs = String(now);
    this.video.dataset.chatShown = String(this.shown);
  }

  // --- inquiry about the current moment ------------------------------------------------------
  renderInquiry(slot) {
    const msgId = newId('inq-msg');
    const emailId = newId('inq-email');
    const consentId = newId('inq-consent');
    const message = h('textarea', { id: msgId, rows: 3, maxlength: 2000, required: true });
    const email = h('input', { id: emailId, type: 'email', required: true, autocomplete: 'email' });
    const consent = h('input', { id: consentId, type: 'checkbox', required: true });
    const status = h('p', { class: 'notice', role: 'status', hidden: true });
    const moment = h('span', { class: 'muted' });
    const form = h('form', { class: 'replay-inquiry', hidden: true },
      h('p', {}, moment),
      h('div', { class: 'field' }, h('label', { for: msgId }, lt('inquiry_msg')), message),
      h('div', { class: 'field' }, h('label', { for: emailId }, lt('email')), email),
      h('div', { class: 'field checkbox' }, consent, h('label', { for: consentId }, lt('consent'))),
      h('button', { type: 'submit', class: 'btn primary' }, lt('send')));
    const open = h('button', { type: 'button', class: 'btn', onclick: () => {
      this.inquiryOffset = this.offsetMs();
      this.video.pause();
      moment.textContent = lt('at', { time: formatOffset(this.inquiryOffset) });
      form.hidden = false;
      status.hidden = true;
      message.focus();
    } }, lt('inquire'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      status.hidden = false;
      status.textContent = lt('loading');
      const ack = await this.submitInquiry({
        message: message.value.trim(), email: email.value.trim(), consent: consent.checked,
      }).catch(() => ({ ok: false, error: { code: 'network' } }));
      if (ack.ok) {
        status.textContent = lt('sent');
        form.hidden = true;
        message.value = '';
      } else {
        // In the viewer's language, never the server's English sentence.
        status.textContent = errorText(ack.error);
      }
    });
    slot.append(h('div', { class: 'replay-inquiry-wrap' }, open, form, status));
  }

  async submitInquiry({ message, email, consent }) {
    const socket = await this.socket();
    const join = await call(socket, C.BOOTH_JOIN, { booth_id: this.booth.id });
    if (!join.ok) return join;
    const payload = {
      booth_id: this.booth.id, message, email, consent,
      session_id: this.session.id, stream_offset_ms: this.inquiryOffset ?? this.offsetMs(),
    };
    // The same inquiry sent again after a lost ack is one lead (pending_send.js).
    this.pendingInquiry ??= new PendingSend();
    payload.client_id = this.pendingInquiry.idFor(JSON.stringify(payload));
    const ack = await call(socket, C.INQUIRY_SUBMIT, payload);
    if (ack.ok) this.pendingInquiry.done(payload.client_id);
    return ack;
  }

  async socket() {
    if (this._socket) return this._socket;
    // Socket.IO is loaded only when a viewer inquires: watching a replay needs no socket.
    if (!window.io) await loadScript('/vendor/socket.io.min.js');
    this._socket = openSocket(this.token);
    return this._socket;
  }
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.addEventListener('load', resolve, { once: true });
    s.addEventListener('error', reject, { once: true });
    document.head.append(s);
  });
}
