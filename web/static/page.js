// What every page does first, and the hook to the livestream module.

import { applyI18n, chosenLang, errorText, setUiLang, t } from './i18n.js';
import { api, ApiError, getSession, expireSession, saveSession } from './session.js';
import { $, say } from './dom.js';
import { call, openSocket, showConnection } from './socket.js';
import { C, S } from './events.js';
import { SeqCatchUp } from './chat.js';

let followed = Promise.resolve(true);

/** Pick the UI language (the signed-in user's, else the chosen one), localise the static HTML. */
export function bootPage({ staffPage = false } = {}) {
  const session = getSession();
  setUiLang(session?.user?.lang || chosenLang());
  applyI18n();
  // Staff accounts, and anyone on a staff page: an account made staff again (`boothcast users
  // set`) must not be refused the console for the buyer role it had at sign-in. A buyer on a buyer
  // page is not asked, so a storm's page loads add no request.
  if (session && (staffPage || session.user?.role !== 'buyer')) followed = followAccount(session);
  return session;
}

/**
 * Whether the page may go on with the account it was opened with: false once it is banned (the
 * page then says so, with the reason) or about to reload. Staff pages wait for it before they
 * mount: a disabled supplier's console showed an empty booth and turned the camera on.
 */
export function accountFollowed() {
  return followed;
}

/**
 * The account as it is now (`/api/me`), not as it was at sign-in: a supplier moved to another
 * booth, or no longer a supplier, must not keep being shown their old booth as theirs. When it
 * changed, the session takes the new account and the page starts over with it.
 */
async function followAccount(session) {
  let now;
  try {
    now = (await api('/api/me', { token: session.token })).user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      onRefused({ code: 'unauthorized' });
      return false;
    }
    if (err instanceof ApiError && err.error?.code === 'banned') {
      onRefused(err.error); // says why, and comes back by itself once the ban is lifted
      return false;
    }
    return true; // offline, or the server is busy: the socket's own checks still hold
  }
  const was = session.user;
  if (now && (now.role !== was.role || (now.booth_id ?? null) !== (was.booth_id ?? null))) {
    saveSession({ token: session.token, user: now });
    window.location.reload();
    return false;
  }
  return true;
}

/** A status callback that shows the socket state in the header's #conn element. */
export function connectionIndicator() {
  const el = $('#conn');
  if (el) el.hidden = false;
  return (state) => { if (el) showConnection(el, state); };
}

export function pageError(text) {
  const el = $('#page-status');
  if (el) say(el, text, 'error');
}

/**
 * The server refused the socket. An expired or revoked token means signing in again (the page
 * reloads without a session and shows its sign-in form); a ban is shown and stays.
 */
export function onRefused(error) {
  if (error?.code === 'unauthorized') {
    expireSession(); // the sign-in form after the reload says the session expired
    window.location.reload();
    return;
  }
  pageError(errorText(error));
  if (error?.code === 'banned') watchForUnban();
}

// How often a banned page asks whether the ban was lifted (`users enable`, a moderator's unban).
const UNBAN_POLL_MS = 20_000;
let unbanWatch = 0;

/**
 * A lifted ban brings the page back by itself: it kept saying "banned" until a reload (a user
 * try). One small request every 20 s, only on a page that was told it is banned.
 */
export function watchForUnban() {
  const session = getSession();
  if (unbanWatch || !session) return;
  unbanWatch = setInterval(async () => {
    try {
      await api('/api/me', { token: session.token });
      window.location.reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        expireSession();
        window.location.reload();
      }
    }
  }, UNBAN_POLL_MS);
}

/**
 * The socket of a page that joins one booth (booth page, supplier console): shows the connection
 * state, marks the page not joined while offline, and (re-)joins on every connect. After each
 * join the history is merged into `chat` by seq and `onJoined(ack)` updates the rest of the page.
 * Nothing acknowledged is lost to the page: after a reconnect, on a seq gap and on `chat:resync`
 * it fetches what it missed with `chat:history` (SeqCatchUp).
 */
export function openBoothSocket(token, { boothId, chat, setJoined, onJoined, refused = onRefused }) {
  const showStatus = connectionIndicator();
  setJoined(false);
  const catchUp = new SeqCatchUp(
    (afterSeq) => call(socket, C.CHAT_HISTORY, { booth_id: boothId, after_seq: afterSeq }),
    (messages) => chat.merge(messages),
  );
  const join = async () => {
    setJoined(false);
    const ack = await call(socket, C.BOOTH_JOIN, { booth_id: boothId });
    if (!ack.ok) {
      pageError(errorText(ack.error));
      return;
    }
    setJoined(true);
    say($('#page-status'), '');
    chat.merge(ack.history || []);
    chat.scrollToEnd();
    catchUp.joined(ack.history || []);
    onJoined(ack);
  };
  const socket = openSocket(token, {
    onStatus: (s) => {
      showStatus(s);
      if (s !== 'online') setJoined(false);
    },
    onConnect: join,
    onReconnect: join,
    onRefused: refused,
  });
  socket.on(S.CHAT_MESSAGE, (m) => { if (m?.booth_id === boothId) catchUp.seen([m.seq]); });
  socket.on(S.CHAT_BATCH, (b) => { if (b?.booth_id === boothId) catchUp.seen((b.messages || []).map((m) => m?.seq)); });
  socket.on(S.CHAT_RESYNC, (r) => { if (r?.booth_id === boothId) catchUp.resync(r.last_seq); });
  return socket;
}

let livePromise = null;

/**
 * The livestream engineer's module (web/static/live/live.js) sets `window.BoothcastLive`
 * with mountPlayer / mountBroadcaster / mountReplay. It's optional: pages work without it.
 */
export function loadLiveModule() {
  livePromise ??= (async () => {
    // A load cut by the network (a phone switching networks: ERR_NETWORK_CHANGED) is tried again,
    // under a new URL since a failed import stays failed; a server without the module answers 404
    // three times, and the pages fall back to their offline/disabled state.
    for (let attempt = 0; !window.BoothcastLive && attempt < 3; attempt++) {
      try {
        await import(attempt ? `/static/live/live.js?attempt=${attempt}` : '/static/live/live.js');
      } catch {
        await new Promise((resolve) => { setTimeout(resolve, 500 * (attempt + 1)); });
      }
    }
    return window.BoothcastLive || null;
  })();
  return livePromise;
}

export function pageTitle(name) {
  document.title = `${name} — ${t('app.name')}`;
}
