// Browser go-live for the supplier console: camera or screen + microphone → MediaRecorder WebM
// chunks → WebSocket /api/live/ingest → one ffmpeg on the server → HLS for the booth's buyers.
//
// Protocol (docs/protocol.md, "Livestream (ext)"): send {type:'start', token, booth_id, mime,
// session_id?}; the server answers {type:'ready'}; then binary chunks; the server answers
// {type:'started', session_id, ...} after the first; {type:'end'} ends the stream cleanly. A
// dropped connection is resumed into the same session if we reconnect within the grace period.

import { h, newId } from '/static/dom.js';
import { errorText } from '/static/i18n.js';
import { lt } from './strings.js';

// H.264 first: the server then only remuxes (no transcoding CPU, no added latency).
const MIME_CANDIDATES = [
  'video/webm;codecs=h264,opus',
  'video/webm;codecs=avc1,opus',
  'video/webm;codecs=vp8,opus',
  'video/webm;codecs=vp9,opus',
  'video/webm',
];
const TIMESLICE_MS = 100;
const RETRY_DELAYS_MS = [500, 1000, 2000, 3000, 4000]; // within the server's 15 s grace period
const FATAL_CODES = new Set(['unauthorized', 'forbidden', 'bad_request', 'conflict', 'not_found', 'banned', 'closed']);

export function pickMimeType(hasAudio = true) {
  for (const mime of MIME_CANDIDATES) {
    const candidate = hasAudio ? mime : mime.replace(',opus', '');
    if (window.MediaRecorder?.isTypeSupported(candidate)) return candidate;
  }
  return '';
}

function ingestUrl() {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/api/live/ingest`;
}

/**
 * Why the camera or screen could not be captured, in the supplier's language. The browser's own
 * message is English and technical ("Requested device not found"); the common causes each get a
 * sentence that says what to do, the rest the generic line with the browser's words.
 */
export function captureProblem(err) {
  if (!window.isSecureContext || !navigator.mediaDevices) return lt('needs_https');
  switch (err?.name) {
    case 'NotAllowedError': case 'SecurityError': return lt('denied');
    case 'NotFoundError': case 'OverconstrainedError': return lt('no_camera');
    case 'NotReadableError': case 'AbortError': return lt('busy');
    default: return lt('no_device', { why: err?.message || String(err) });
  }
}

export function mountBroadcaster(container, { booth, token, onState } = {}) {
  const b = new Broadcaster(container, { booth, token, onState });
  b.render();
  if (booth?.live_session) b.adopt(booth.live_session);
  return b;
}

class Broadcaster {
  constructor(container, { booth, token, onState }) {
    this.container = container;
    this.booth = booth;
    this.token = token;
    this.onState = onState || (() => {});
    this.stream = null; // the MediaStream being previewed/sent
    this.ws = null;
    this.recorder = null;
    this.sessionId = null;
    this.state = 'idle';
    this.ending = false;
    this.retries = 0;
    this.mime = '';
  }

  // --- UI ------------------------------------------------------------------------------------
  render() {
    const sourceId = newId('live-src');
    const micId = newId('live-mic');
    // The camera starts when the supplier asks (Preview or Go live), not when the console opens:
    // one who came to answer leads gets no camera light and no permission prompt.
    const repreview = () => { if (this.stream) this.preview(); };
    this.sourceSel = h('select', { id: sourceId, onchange: repreview },
      h('option', { value: 'camera' }, lt('camera')),
      navigator.mediaDevices?.getDisplayMedia ? h('option', { value: 'screen' }, lt('screen')) : null);
    this.micSel = h('select', { id: micId, onchange: repreview }, h('option', { value: 'default' }, lt('mic')));
    this.video = h('video', { class: 'live-preview', muted: true, autoplay: true, playsinline: true, 'aria-label': lt('preview') });
    this.video.muted = true;
    this.previewBtn = h('button', { type: 'button', class: 'btn', onclick: () => this.preview() }, lt('preview'));
    this.goBtn = h('button', { type: 'button', class: 'btn primary', onclick: () => this.goLive() }, lt('go_live'));
    this.endBtn = h('button', { type: 'button', class: 'btn danger', disabled: true, onclick: () => this.end() }, lt('end'));
    this.status = h('p', { class: 'live-status', role: 'status', 'aria-live': 'polite' }, lt('idle'));
    this.obs = h('details', { class: 'live-obs' }, h('summary', {}, lt('obs')));
    this.container.replaceChildren(
      h('div', { class: 'live-broadcaster' },
        h('div', { class: 'live-devices' },
          h('div', { class: 'field' }, h('label', { for: sourceId }, lt('source')), this.sourceSel),
          h('div', { class: 'field' }, h('label', { for: micId }, lt('mic')), this.micSel)),
        h('div', { class: 'player live-preview-wrap' }, this.video),
        h('div', { class: 'live-buttons' }, this.previewBtn, this.goBtn, this.endBtn),
        this.status,
        this.obs),
    );
    this.obs.addEventListener('toggle', () => { if (this.obs.open) this.renderObs(); }, { once: true });
    this.listMics();
  }

  setState(state, text) {
    this.state = state;
    this.container.dataset.liveState = state;
    this.status.textContent = text ?? lt(state);
    const busy = state === 'connecting' || state === 'live' || state === 'reconnecting';
    this.goBtn.disabled = busy;
    this.previewBtn.disabled = busy;
    this.endBtn.disabled = !busy;
    this.sourceSel.disabled = busy;
    this.onState({ state, live: state === 'live', session_id: this.sessionId });
  }

  async listMics() {
    try {
      const devices = await navigator.mediaDevices.enumerateDevices();
      const mics = devices.filter((d) => d.kind === 'audioinput');
      this.micSel.replaceChildren(
        ...mics.map((d, i) => h('option', { value: d.deviceId || 'default' }, d.label || `${lt('mic')} ${i + 1}`)),
        h('option', { value: 'none' }, lt('no_mic')),
      );
    } catch { /* no device list: the default microphone is used */ }
  }

  async renderObs() {
    const body = h('div', { class: 'live-obs-body' }, lt('loading'));
    this.obs.append(body);
    const load = async (method, path) => {
      const r = await fetch(path, { method, headers: { Authorization: `Bearer ${this.token}` } });
      return r.ok ? r.json() : null;
    };
    const show = (info) => {
      if (!info || !info.rtmp_enabled) {
        body.replaceChildren(lt('rtmp_off'));
        return;
      }
      const key = h('code', { class: 'live-key' }, '••••••••');
      let shown = false;
      const toggle = h('button', { type: 'button', class: 'btn', onclick: () => {
        shown = !shown;
        key.textContent = shown ? info.stream_key : '••••••••';
        toggle.textContent = shown ? lt('hide_key') : lt('show_key');
      } }, lt('show_key'));
      const rotate = h('button', { type: 'button', class: 'btn', onclick: async () => {
        show(await load('POST', `/api/booths/${this.booth.id}/stream/rotate-key`));
      } }, lt('rotate'));
      body.replaceChildren(
        h('p', {}, `${lt('obs_server')}: `, h('code', {}, info.rtmp_url)),
        h('p', {}, `${lt('obs_key')}: `, key, ' ', toggle, ' ', rotate),
      );
    };
    show(await load('GET', `/api/booths/${this.booth.id}/stream`).catch(() => null));
  }

  // --- capture -------------------------------------------------------------------------------
  async preview() {
    if (this.state === 'live' || this.state === 'connecting' || this.state === 'reconnecting') return;
    try {
      await this.acquireOnce();
      this.status.textContent = lt('idle');
    } catch (err) {
      this.status.textContent = captureProblem(err);
    }
  }

  // One capture at a time: a preview still starting when "Go live" is pressed must not have its
  // tracks stopped under the recorder by a second capture.
  acquireOnce() {
    const run = (this.acquiring || Promise.resolve()).catch(() => {}).then(() => this.acquire());
    this.acquiring = run.finally(() => { if (this.acquiring === tracked) this.acquiring = null; });
    const tracked = this.acquiring;
    // The caller handles `run`'s failure; this tracking copy must not become an unhandled rejection.
    tracked.catch(() => {});
    return run;
  }

  hasLiveVideo() {
    return Boolean(this.stream?.getVideoTracks().some((t) => t.readyState === 'live'));
  }

  async acquire() {
    this.stopTracks();
    const mic = this.micSel.value;
    const audio = mic === 'none' ? false : mic === 'default' ? true : { deviceId: { exact: mic } };
    const video = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30, max: 30 } };
    let stream;
    if (this.sourceSel.value === 'screen') {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 30 }, audio: false });
      if (audio) {
        const micStream = await navigator.mediaDevices.getUserMedia({ audio }).catch(() => null);
        micStream?.getAudioTracks().forEach((t) => stream.addTrack(t));
      }
    } else {
      stream = await navigator.mediaDevices.getUserMedia({ video, audio });
    }
    this.stream = stream;
    this.video.srcObject = stream;
    this.video.play().catch(() => {});
    if (this.micSel.options.length <= 1) this.listMics();
    return stream;
  }

  /** Use an existing MediaStream (e.g. a canvas capture in the latency benchmark). */
  useStream(stream) {
    this.stopTracks();
    this.stream = stream;
    this.video.srcObject = stream;
  }

  stopTracks() {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
  }

  // --- sending -------------------------------------------------------------------------------
  async goLive() {
    this.ending = false;
    this.retries = 0;
    this.sessionId = null;
    this.setState('connecting');
    try {
      if (this.acquiring) await this.acquiring.catch(() => {});
      if (!this.hasLiveVideo()) await this.acquireOnce();
    } catch (err) {
      this.setState('idle', captureProblem(err));
      return;
    }
    this.mime = pickMimeType(this.stream.getAudioTracks().length > 0);
    this.connect();
  }

  connect() {
    const ws = new WebSocket(ingestUrl());
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.addEventListener('open', () => {
      ws.send(JSON.stringify({
        type: 'start', token: this.token, booth_id: this.booth.id, mime: this.mime,
        ...(this.sessionId ? { session_id: this.sessionId } : {}),
      }));
    });
    ws.addEventListener('message', (ev) => this.onMessage(ws, ev));
    ws.addEventListener('close', (ev) => this.onClose(ws, ev));
  }

  onMessage(ws, ev) {
    if (typeof ev.data !== 'string') return;
    let msg;
    try { msg = JSON.parse(ev.data); } catch { return; }
    if (msg.type === 'ready') {
      this.startRecorder(ws);
    } else if (msg.type === 'started') {
      this.sessionId = msg.session_id;
      this.retries = 0;
      this.renewed = false;
      this.setState('live', msg.codec && msg.codec !== 'h264' ? `${lt('live')} · ${lt('codec_note', { codec: msg.codec })}` : lt('live'));
    } else if (msg.type === 'ended') {
      this.finish('ended');
    } else if (msg.type === 'error') {
      this.lastError = msg.error || {};
    }
  }

  startRecorder(ws) {
    const options = { videoBitsPerSecond: 2_500_000, audioBitsPerSecond: 128_000 };
    if (this.mime) options.mimeType = this.mime;
    // Without it Chromium puts a keyframe only every 100 frames; the server cuts ~1 s segments
    // at keyframes, so this is what keeps segments (and latency) short.
    options.videoKeyFrameIntervalDuration = 1000;
    let recorder;
    try {
      recorder = new MediaRecorder(this.stream, options);
    } catch (err) {
      this.ending = true;
      ws.close();
      this.setState('idle', lt('failed', { why: err?.message || String(err) }));
      return;
    }
    this.recorder = recorder;
    recorder.addEventListener('dataavailable', (ev) => {
      if (ev.data && ev.data.size > 0 && ws.readyState === WebSocket.OPEN) ws.send(ev.data);
    });
    recorder.addEventListener('stop', () => {
      // The last chunk has been handed to the socket (dataavailable fires before stop).
      if (this.ending && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'end' }));
    });
    recorder.start(TIMESLICE_MS);
  }

  stopRecorder() {
    if (this.recorder && this.recorder.state !== 'inactive') {
      try { this.recorder.stop(); } catch { /* already stopped */ }
    }
    this.recorder = null;
  }

  /**
   * The booth is live but this page sends nothing: the console was reloaded mid-stream (buyers see
   * "the video stopped, waiting"), or OBS streams. Say so, and let the supplier end it here; a
   * browser stream is resumed with Go live (the server continues the same session).
   */
  adopt(session) {
    this.sessionId = session.id;
    const obs = session.source === 'rtmp';
    this.setState('open', lt(obs ? 'open_obs' : 'open_browser', { go: lt('go_live'), end: lt('end') }));
    this.goBtn.disabled = obs;
    this.previewBtn.disabled = obs;
    this.sourceSel.disabled = obs;
    this.endBtn.disabled = false;
  }

  async endOpen() {
    this.endBtn.disabled = true;
    try {
      const r = await fetch(`/api/sessions/${this.sessionId}/end`, {
        method: 'POST', headers: { Authorization: `Bearer ${this.token}` },
      });
      // 409: it ended meanwhile (the grace ran out, OBS stopped). Either way it is over.
      if (!r.ok && r.status !== 409) throw new Error(String(r.status));
      this.finish('ended');
    } catch (err) {
      this.endBtn.disabled = false;
      this.status.textContent = lt('failed', { why: err.message });
    }
  }

  end() {
    if (this.state === 'open') {
      this.endOpen();
      return;
    }
    this.ending = true;
    if (this.recorder && this.recorder.state !== 'inactive' && this.ws?.readyState === WebSocket.OPEN) {
      this.stopRecorder(); // its 'stop' handler sends {type:'end'}
      this.endTimer = setTimeout(() => this.ws?.close(), 10_000);
    } else {
      this.stopRecorder();
      if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'end' }));
      else this.finish('ended');
    }
  }

  finish(state) {
    clearTimeout(this.endTimer);
    this.stopRecorder();
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close();
    // The stream is over: the camera and microphone go off too (the light must not stay on).
    if (state === 'ended') {
      this.stopTracks();
      this.video.srcObject = null;
    }
    this.setState(state);
  }

  onClose(ws, ev) {
    if (ws !== this.ws) return;
    this.stopRecorder();
    if (this.ending || this.state === 'ended' || this.state === 'idle') {
      this.finish(this.state === 'idle' ? 'idle' : 'ended');
      return;
    }
    const err = this.lastError;
    this.lastError = null;
    if (err?.code === 'replaced') {
      // Another tab or device went live for this booth: taking it back at once made two pages
      // steal the stream from each other many times a second (a user try).
      this.ws = null;
      this.stopTracks();
      this.video.srcObject = null;
      this.setState('idle', lt('replaced', { go: lt('go_live') }));
      return;
    }
    if (err?.code === 'not_found' && this.sessionId && !this.renewed) {
      // The session ended while this page was away (a server restart ends its sessions): the
      // supplier is still live here, so the stream goes on as a new session.
      this.sessionId = null;
      this.renewed = true;
      this.setState('reconnecting');
      this.connect();
      return;
    }
    if (err && FATAL_CODES.has(err.code)) {
      this.ws = null;
      this.setState('idle', lt('failed', { why: errorText(err) }));
      return;
    }
    if (this.retries >= RETRY_DELAYS_MS.length) {
      this.ws = null;
      this.setState('idle', lt('lost', { go: lt('go_live') }));
      return;
    }
    // A new MediaRecorder (new WebM header) on a new connection continues the same session.
    this.setState('reconnecting');
    const delay = RETRY_DELAYS_MS[this.retries++];
    setTimeout(() => { if (!this.ending && this.state === 'reconnecting') this.connect(); }, delay);
  }
}
