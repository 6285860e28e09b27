// The booth page's live player: hls.js tuned for low latency, with the live state (and the
// viewer count) reported through `onState`, and "offline" as soon as the stream stops.

import { attachHls, LIVE_CONFIG } from './hls-loader.js';

const POLL_OFFLINE_MS = 2000;
const POLL_LIVE_MS = 5000;
const RETRY_MS = 1000;
// A live picture that has not moved for this long is stalled: the supplier's tab closed or their
// upload stalled. Viewers are told, rather than left looking at a frozen frame marked LIVE.
const STALL_MS = 3000;
const STALL_CHECK_MS = 1000;

export function mountPlayer(video, { booth, token, onState, socket, hlsConfig } = {}) {
  const p = new LivePlayer(video, { booth, token, onState: onState || (() => {}), socket, hlsConfig });
  p.start();
  return p;
}

class LivePlayer {
  constructor(video, { booth, token, onState, socket, hlsConfig }) {
    this.video = video;
    this.hlsConfig = { ...LIVE_CONFIG, ...(hlsConfig || {}) };
    // hls.js refuses a config that mixes the segment-count and the seconds forms.
    if (hlsConfig && 'liveSyncDuration' in hlsConfig) {
      delete this.hlsConfig.liveSyncDurationCount;
      delete this.hlsConfig.liveMaxLatencyDurationCount;
      this.hlsConfig.liveMaxLatencyDuration = hlsConfig.liveMaxLatencyDuration ?? hlsConfig.liveSyncDuration + 3;
    } else if (hlsConfig && 'liveSyncDurationCount' in hlsConfig) {
      delete this.hlsConfig.liveSyncDuration;
      delete this.hlsConfig.liveMaxLatencyDuration;
      this.hlsConfig.liveMaxLatencyDurationCount ??= hlsConfig.liveSyncDurationCount + 3;
    }
    this.booth = booth;
    this.token = token;
    this.onState = onState;
    this.hls = null;
    this.url = null;
    this.live = false;
    this.viewers = null;
    this.timer = null;
    this.destroyed = false;
    this.stalled = false;
    this.lastTime = -1;
    this.stillSince = 0;
    this.stallTimer = setInterval(() => this.checkStall(), STALL_CHECK_MS);
    video.dataset.liveState = 'offline';
    // Pages that share their socket get pushes at once; polling covers the rest.
    socket?.on?.('stream:state', (s) => { if (s.booth_id === booth.id) this.apply(s); });
    socket?.on?.('presence:update', (p) => {
      if (p.booth_id === booth.id) { this.viewers = p.viewers; this.report(); }
    });
    // The last segment of an ended stream: offline without waiting for the next poll.
    video.addEventListener('ended', () => { if (this.live) this.poll(); });
  }

  start() { this.poll(); }

  destroy() {
    this.destroyed = true;
    clearTimeout(this.timer);
    clearInterval(this.stallTimer);
    this.stopPlayback();
  }

  async poll() {
    clearTimeout(this.timer);
    if (this.destroyed) return;
    try {
      const headers = this.token ? { Authorization: `Bearer ${this.token}` } : {};
      const r = await fetch(`/api/booths/${this.booth.id}/live`, { headers, cache: 'no-store' });
      if (r.ok) this.apply(await r.json());
    } catch { /* network hiccup: try again at the next poll */ }
    if (!this.destroyed) this.timer = setTimeout(() => this.poll(), this.live ? POLL_LIVE_MS : POLL_OFFLINE_MS);
  }

  apply(s) {
    if (typeof s.viewers === 'number') this.viewers = s.viewers;
    const live = Boolean(s.live) && s.ready !== false;
    if (live && s.hls_url) {
      if (this.url !== s.hls_url) this.play(s.hls_url);
    } else if (!s.live) {
      this.stopPlayback();
    }
    const changed = live !== this.live;
    this.live = live || (Boolean(s.live) && this.url !== null);
    this.state = s;
    this.video.dataset.liveState = this.live ? 'live' : 'offline';
    this.report();
    if (changed && !this.live) this.poll();
  }

  report() {
    this.onState({
      ...(this.state || {}), booth_id: this.booth.id, live: this.live, viewers: this.viewers, stalled: this.live && this.stalled,
    });
  }

  /** Playing (not paused by the viewer), live, and the picture has not moved for STALL_MS. */
  checkStall() {
    const v = this.video;
    const now = Date.now();
    const moved = v.currentTime !== this.lastTime;
    this.lastTime = v.currentTime;
    if (moved || !this.live || v.paused || v.currentTime === 0) this.stillSince = now;
    const stalled = now - this.stillSince >= STALL_MS;
    if (stalled !== this.stalled) {
      this.stalled = stalled;
      v.dataset.stalled = String(stalled);
      this.report();
    }
  }

  async play(url) {
    this.stopPlayback();
    this.url = url;
    try {
      this.hls = await attachHls(this.video, url, this.hlsConfig, {
        onFatal: () => {
          // Usually the playlist of a stream that just started or just ended: ask again.
          const failed = this.url;
          this.stopPlayback();
          setTimeout(() => { if (!this.destroyed && failed) this.poll(); }, RETRY_MS);
        },
      });
    } catch (err) {
      console.warn('live player:', err);
      this.url = null;
      return;
    }
    this.video.play().catch(() => { /* autoplay refused: the page's controls are there */ });
  }

  stopPlayback() {
    if (this.hls) this.hls.destroy();
    this.hls = null;
    if (this.url) {
      this.video.removeAttribute('src');
      this.video.load();
    }
    this.url = null;
  }
}
