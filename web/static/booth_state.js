// The booth page's shared state: booth.js fills it, its modules read and update it.

export const slug = decodeURIComponent(window.location.pathname.split('/').filter(Boolean)[1] || '');

export const state = {
  session: null,
  booth: null, // GET /api/booths/{slug}
  products: [],
  pinnedId: null,
  live: false,
  stalled: false, // live, but the picture has not moved for a few seconds (the player module says)
  stream: null, // the last stream:state
  replay: null, // the newest ended session with a replay
  justEnded: false, // a stream ended while this page was open
  playerModule: false, // web/static/live/ plays the stream and reports the live state
  noPlayerModule: false, // no web/static/live/: play HLS here
  socket: null,
  chat: null,
  inquiry: null, // {form, product, unit, currency, touched}
  mutedUntil: 0,
  slow: null, // SlowModeGate: the booth's slow mode on the send button
  length: null, // the chat box's length counter (chat_length.js)
};
