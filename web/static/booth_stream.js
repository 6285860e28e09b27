// Booth page: the stream (the livestream module's player, or plain HLS without it), the live
// badge and offline card, the viewer count and the list of replays.

import { $ } from './dom.js';
import { tn } from './i18n.js';
import { api } from './session.js';
import { loadLiveModule } from './page.js';
import { renderOffline, renderReplayList } from './booth_stage.js';
import { showPinned } from './booth_products.js';
import { state } from './booth_state.js';

export async function loadReplays() {
  let sessions;
  try {
    sessions = (await api(`/api/booths/${state.booth.id}/sessions`)).sessions || [];
  } catch {
    return; // no livestream module on this server: no replays either
  }
  const ended = sessions.filter((s) => s.status === 'ended' && s.replay_url).slice(0, 12);
  state.replay = ended[0] || null;
  renderStreamState();
  $('#replays').hidden = ended.length === 0;
  renderReplayList($('#replay-list'), ended);
}


export async function mountPlayer() {
  const live = await loadLiveModule();
  if (live?.mountPlayer) {
    live.mountPlayer($('#player'), {
      booth: state.booth,
      token: state.session.token,
      socket: state.socket, // stream:state pushes reach the player at once
      onState: (s) => {
        // The player knows best: "live" there means a segment is ready to play.
        state.live = typeof s === 'boolean' ? s : Boolean(s?.live);
        state.stalled = Boolean(s?.stalled);
        renderStreamState();
      },
    });
    state.playerModule = true;
  } else {
    state.noPlayerModule = true;
  }
}

/** Live state from the join ack or stream:state; the player module's own report wins. */
export function setLive(live) {
  if (state.playerModule) return;
  state.live = Boolean(live);
  renderStreamState();
}

export function renderStreamState() {
  $('#live-badge').hidden = !state.live;
  // Still live (the session is open), but the picture froze: the badge goes grey beside the hint.
  $('#live-badge').classList.toggle('is-stalled', state.live && state.stalled);
  $('#stream-stalled').hidden = !(state.live && state.stalled);
  const overlay = $('#stream-offline');
  overlay.hidden = state.live;
  if (!state.live) renderOffline(overlay, { booth: state.booth, replay: state.replay, justEnded: state.justEnded });
  // After a stream, nothing is "on stream now": the pinned highlight waits for the next one.
  const ended = !state.live && Boolean(overlay.querySelector('.replay-card'));
  $('#booth-root').classList.toggle('is-live', state.live);
  $('#booth-root').classList.toggle('is-offline', !state.live);
  $('#booth-root').classList.toggle('is-ended', ended);
  showPinned();
  showViewers(state.viewers);
  // Without the livestream module, still play a live HLS stream if we know its URL.
  const url = state.stream?.hls_url;
  if (state.noPlayerModule && state.live && url) playHls($('#player'), url);
}

async function playHls(video, url) {
  if (video.dataset.src === url) return;
  video.dataset.src = url;
  if (!window.Hls && !video.canPlayType('application/vnd.apple.mpegurl')) {
    // hls.js is ~400 kB: fetched only when there is something to play.
    await new Promise((resolve) => {
      const script = Object.assign(document.createElement('script'), { src: '/vendor/hls.min.js' });
      script.addEventListener('load', resolve, { once: true });
      script.addEventListener('error', resolve, { once: true });
      document.head.append(script);
    });
  }
  if (window.Hls?.isSupported()) {
    const hls = new window.Hls();
    hls.loadSource(url);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = url;
  }
  video.play().catch(() => { /* autoplay refused: the controls are there */ });
}

export function showViewers(n) {
  const el = $('#viewer-count');
  if (typeof n !== 'number') return;
  state.viewers = n;
  el.hidden = false;
  // "Watching" only while there is something to watch.
  el.textContent = tn(state.live ? 'booth.viewers' : 'booth.present', n);
}
