// Booth page: sending a chat line, and the send button while muted.

import { C } from './events.js';
import { $, say } from './dom.js';
import { errorText } from './i18n.js';
import { call } from './socket.js';
import { state } from './booth_state.js';

function newClientId() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export async function sendChat(event) {
  event.preventDefault();
  const input = $('#chat-input');
  const text = input.value.trim();
  if (!text || !state.socket) return;
  const button = $('#chat-send');
  button.disabled = true;
  const ack = await call(state.socket, C.CHAT_SEND, { booth_id: state.booth.id, text, client_id: newClientId() });
  button.disabled = Date.now() < state.mutedUntil || $('#chat').dataset.joined !== 'true';
  if (ack.ok) {
    input.value = '';
    say($('#chat-status'), '');
    state.slow.sent();
  } else {
    say($('#chat-status'), errorText(ack.error), 'error');
    if (ack.error?.code === 'muted' && ack.error.until) setMuted(ack.error.until);
    if (ack.error?.code === 'slow_mode') state.slow.wait(ack.error.retry_after);
  }
  input.focus();
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
