// The Socket.IO connection every page shares: websocket only, bearer token in `auth`, every
// emit with an acknowledgement and a timeout, and a visible connection state.
// `io` is the global from /vendor/socket.io.min.js (loaded by each page before its module).

import { S } from './events.js';
import { t } from './i18n.js';

const ACK_TIMEOUT_MS = 10_000;

/**
 * Open the socket. `onStatus(state)` gets 'connecting' | 'online' | 'reconnecting' | 'offline';
 * `onRefused(error)` gets the server's `{code, message}` when it refuses the connection
 * (`unauthorized`: sign in again; `banned`), and the same `unauthorized` when the server ends
 * the session (`session:ended`: the password was changed). Socket.IO reconnects by itself after a network
 * drop; `onReconnect` runs on every successful connect after the first (re-join rooms there).
 */
export function openSocket(token, { onStatus = () => {}, onRefused = () => {}, onConnect = () => {}, onReconnect = () => {} } = {}) {
  const socket = window.io({ transports: ['websocket'], auth: { token } });
  let connectedOnce = false;
  onStatus('connecting');
  socket.on('connect', () => {
    onStatus('online');
    if (connectedOnce) onReconnect();
    else onConnect();
    connectedOnce = true;
  });
  socket.on('disconnect', (reason) => {
    // 'io server disconnect' (kicked, e.g. banned) is not retried by the client.
    onStatus(socket.active ? 'reconnecting' : 'offline');
    if (reason === 'io server disconnect') onStatus('offline');
  });
  socket.on(S.SESSION_ENDED, () => {
    socket.disconnect();
    onStatus('offline');
    onRefused({ code: 'unauthorized', message: 'session ended' });
  });
  socket.on('connect_error', (err) => {
    if (socket.active) {
      onStatus('reconnecting'); // transport problem: the client retries by itself
    } else {
      onStatus('offline'); // refused by the server's connect handler
      onRefused(err?.data && typeof err.data === 'object' ? err.data : { code: 'unauthorized', message: String(err?.message || '') });
    }
  });
  return socket;
}

/**
 * Emit with ack; resolves to the ack, or `{ok:false, error:{code:'timeout'}}`. Never throws.
 * A socket the server closed for good (banned, signed out) answers `network` at once: Socket.IO
 * would hold the emit for a reconnect that never comes, and the page said nothing for 10 s.
 */
export async function call(socket, event, payload = {}) {
  if (!socket || (!socket.connected && !socket.active)) return { ok: false, error: { code: 'network', message: 'not connected' } };
  try {
    const ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
    return ack && typeof ack === 'object' ? ack : { ok: false, error: { code: 'internal', message: 'bad ack' } };
  } catch {
    return { ok: false, error: { code: 'timeout', message: 'no answer' } };
  }
}

/** Render a connection state into an element (role=status). */
export function showConnection(el, state) {
  el.dataset.state = state;
  el.textContent = t(`conn.${state}`);
}
