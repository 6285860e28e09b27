// Booth page: sending a chat line, and the send button while muted.

import { C } from './events.js';
import { $, say } from './dom.js';
import { errorText } from './i18n.js';
import { call } from './socket.js';
import { state } from './booth_state.js';
import { KeptDraft } from './pending_send.js';

// The line in the box keeps its client_id until the server acks it or the buyer edits it: a retry
// after a lost ack is the same message; kept across a reload (pending_send.js).
let pending = null;

/** Bring back the line this tab had typed in this booth, and keep what is typed from now on. */
export function keepChatDraft() {
  pending = new KeptDraft($('#chat-input'), `booth.${state.booth.id}`);
}

export async function sendChat(event) {
  event.preventDefault();
  const input = $('#chat-input');
  const text = input.value.trim();
  if (!text) {
    say($('#chat-status'), ''); // nothing to send: an earlier error no longer applies
    return;
  }
  if (!state.socket) return;
  const button = $('#chat-send');
  button.disabled = true;
  const clientId = pending.idFor(text);
  const ack = await call(state.socket, C.CHAT_SEND, { booth_id: state.booth.id, text, client_id: clientId });
  button.disabled = Date.now() < state.mutedUntil || $('#chat').dataset.joined !== 'true';
  if (ack.ok) {
    stored(clientId, text);
    state.slow.sent();
  } else {
    say($('#chat-status'), errorText(ack.error), 'error');
    if (ack.error?.code === 'muted' && ack.error.until) setMuted(ack.error.until);
    if (ack.error?.code === 'slow_mode') state.slow.wait(ack.error.retry_after);
  }
  input.focus();
}

/** A message merged into the chat: if it is the line still waiting for its ack, it was stored. */
export function noteStored(msg) {
  if (pending?.waitingFor(msg?.client_id) && msg.author?.id === state.session?.user.id) {
    stored(msg.client_id, pending.key);
  }
}

function stored(clientId, text) {
  pending.done(clientId);
  const input = $('#chat-input');
  // Only the line that was sent: what the buyer typed meanwhile stays.
  if (input.value.trim() === text) input.value = '';
  pending.save();
  state.length?.update();
  say($('#chat-status'), '');
}

export function setMuted(until) {
  const end = Date.parse(until);
  say($('#chat-status'), errorText({ code: 'muted', until }), 'error');
  if (Number.isNaN(end) || end <= Date.now()) return;
  state.mutedUntil = end;
  $('#chat-send').disabled = true;
  setTimeout(() => {
    $('#chat-send').disabled = $('#chat').dataset.joined !== 'true';
    say($('#chat-status'), '');
  }, Math.min(end - Date.now(), 2_147_000_000));
}
