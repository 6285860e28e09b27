// Socket.IO event names: the browser's mirror of the server's registry in server/events.py.
// tests/test_browser_events_registry.py checks that both lists are the same; add a name on
// both sides or the test fails.

/** Client → server; every one is sent with an acknowledgement. */
export const C = Object.freeze({
  BOOTH_JOIN: 'booth:join',
  BOOTH_LEAVE: 'booth:leave',
  CHAT_SEND: 'chat:send',
  CHAT_PREVIEW: 'chat:preview',
  INQUIRY_SUBMIT: 'inquiry:submit',
  PRODUCT_PIN: 'product:pin',
  LEAD_UPDATE: 'lead:update',
  LEAD_NOTE: 'lead:note',
  MOD_WATCH: 'mod:watch',
  MOD_HIDE: 'mod:hide',
  MOD_MUTE: 'mod:mute',
  MOD_BAN: 'mod:ban',
  MOD_UNBAN: 'mod:unban',
  LOBBY_WATCH: 'lobby:watch',
  CHAT_HISTORY: 'chat:history',
  CHAT_REPORT: 'chat:report',
  SLOW_MODE_SET: 'slow_mode:set',
  MOD_HISTORY: 'mod:history',
});

/** Server → client. */
export const S = Object.freeze({
  CHAT_MESSAGE: 'chat:message',
  CHAT_BATCH: 'chat:batch',
  CHAT_HIDDEN: 'chat:hidden',
  LEAD_NEW: 'lead:new',
  LEAD_UPDATED: 'lead:updated',
  PRESENCE_UPDATE: 'presence:update',
  PRODUCT_PINNED: 'product:pinned',
  USER_MUTED: 'user:muted',
  USER_BANNED: 'user:banned',
  SESSION_ENDED: 'session:ended',
  ACCOUNT_UPDATED: 'account:updated',
  STREAM_STATE: 'stream:state',
  BOOTH_STATE: 'booth:state',
  MOD_MESSAGE: 'mod:message',
  MOD_BOOTHS: 'mod:booths',
  CHAT_RESYNC: 'chat:resync',
  BOOTH_SLOW_MODE: 'booth:slow_mode',
  REPORT_NEW: 'report:new',
  REPORT_RESOLVED: 'report:resolved',
  MOD_RESYNC: 'mod:resync',
});

export const CLIENT_EVENTS = Object.freeze(Object.values(C));
export const SERVER_EVENTS = Object.freeze(Object.values(S));
