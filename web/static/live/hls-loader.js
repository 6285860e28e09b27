// hls.js, from /vendor/hls.min.js (served by the page routes from npm's hls.js 1.x). Pages may
// include it themselves; otherwise it is injected once as a classic script.

let loading = null;

export function loadHls() {
  if (window.Hls) return Promise.resolve(window.Hls);
  loading ??= new Promise((resolve, reject) => {
    const existing = document.querySelector('script[src="/vendor/hls.min.js"]');
    const script = existing || document.createElement('script');
    const done = () => (window.Hls ? resolve(window.Hls) : reject(new Error('hls.js did not load')));
    script.addEventListener('load', done, { once: true });
    script.addEventListener('error', () => reject(new Error('hls.js did not load')), { once: true });
    if (!existing) {
      script.src = '/vendor/hls.min.js';
      document.head.append(script);
    } else if (window.Hls) {
      done();
    }
  });
  return loading;
}

// Low-latency live settings, 1 s segments. The live playlist advertises blocking reload, so in
// lowLatencyMode hls.js asks for the next segment (`_HLS_msn`) and gets it the moment it exists;
// glass-to-glass is then the target below plus ~0.1-0.2 s (bench/live/latency.py: 2.1 s p50,
// 2.2 s p95 at 2.0; 1.8 s p50 at 1.5 with more stalls on a loaded machine). The seconds form is
// used because liveSyncDurationCount measured 3.6 s here.
export const LIVE_CONFIG = Object.freeze({
  lowLatencyMode: true,
  liveSyncDuration: 2.0,
  liveMaxLatencyDuration: 5,
  maxLiveSyncPlaybackRate: 1.15,
  maxBufferLength: 4,
  maxMaxBufferLength: 8,
  backBufferLength: 4,
  manifestLoadingMaxRetry: 6,
  levelLoadingMaxRetry: 6,
  fragLoadingMaxRetry: 6,
  enableWorker: true,
});

export const VOD_CONFIG = Object.freeze({
  maxBufferLength: 30,
  backBufferLength: 30,
  enableWorker: true,
});

/** Attach `url` to `video`: hls.js where MSE exists, native HLS (Safari) otherwise. */
export async function attachHls(video, url, config, { onFatal } = {}) {
  const Hls = await loadHls().catch(() => null);
  if (Hls && Hls.isSupported()) {
    const hls = new Hls({ ...config }); // hls.js writes into its config object
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else onFatal?.(data);
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    return hls;
  }
  if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = url;
    return null;
  }
  throw new Error('this browser cannot play HLS');
}
