// The livestream module: `window.BoothcastLive = {mountBroadcaster, mountPlayer, mountReplay}`.
// Pages load it with `import('/static/live/live.js')` (or <script type="module">) and call what
// they need; each mount function works on elements the page already has.

import { mountBroadcaster } from './broadcaster.js';
import { mountPlayer } from './player.js';
import { mountReplay } from './replay.js';

if (!document.querySelector('link[href="/static/live/live.css"]')) {
  document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: '/static/live/live.css' }));
}

window.BoothcastLive = Object.freeze({ mountBroadcaster, mountPlayer, mountReplay });

export { mountBroadcaster, mountPlayer, mountReplay };
