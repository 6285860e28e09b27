// Booth page: the stream, live chat in the viewer's language, products with the pinned one
// highlighted, viewer count and the inquiry form. Re-joins the booth after every reconnect and
// merges history by seq, so a dropped connection never duplicates or loses visible lines.
// By concept: booth_stream.js, booth_products.js, booth_chat.js, booth_inquiry.js share
// booth_state.js; this module signs in, joins and routes the socket's pushes.

import { S } from './events.js';
import { $, h, setChildren, say } from './dom.js';
import { t, chosenLang, errorText, countryName, langName } from './i18n.js';
import { api, ApiError } from './session.js';
import { bootPage, onRefused, openBoothSocket, pageError, pageTitle, watchForUnban } from './page.js';
import { renderGuestSignIn, renderSessionBar, translationInfo, untranslatedNote } from './signin.js';
import { ChatLog } from './chat.js';
import { keepChatEndAboveComposer } from './chat_overlap.js';
import { reportDecorator, SlowModeGate } from './booth_safety.js';
import { mountQuickPhrases, phraseContainer } from './phrases.js';
import { imageEl, remindNow } from './booth_stage.js';
import { keepChatDraft, noteStored, sendChat, setMuted } from './booth_chat.js';
import { lengthCounter } from './chat_length.js';
import { renderInquiryForm } from './booth_inquiry.js';
import { localized, productById, renderProducts, setPinned } from './booth_products.js';
import { state, slug } from './booth_state.js';
import { loadReplays, mountPlayer, renderStreamState, setLive, showViewers } from './booth_stream.js';

async function main() {
  state.session = bootPage();
  renderSessionBar($('#session-bar'), state.session);
  // Asked for now, beside the booth: the sign-in form and the chat's language note need it, and
  // one after the other they cost a phone on a slow link an extra round trip.
  translationInfo();
  try {
    // Every product also in the reader's language (the supplier's own words, or the server's
    // reading): without it a Portuguese or Arabic buyer saw the supplier's Chinese names.
    const lang = state.session?.user?.lang || chosenLang();
    state.booth = await api(`/api/booths/${encodeURIComponent(slug)}?lang=${encodeURIComponent(lang)}`);
  } catch (err) {
    $('#booth-name').textContent = t('booth.not_found');
    if (!(err instanceof ApiError && err.status === 404)) pageError(errorText(err.error));
    else {
      // A mistyped or old address: the way on, as the site's own "page not found" gives it.
      $('#booth-name').after(
        h('p', { class: 'muted booth-missing' }, t('notfound.text')),
        h('p', {}, h('a', { class: 'btn primary', href: '/' }, t('notfound.lobby'))));
    }
    return;
  }
  state.products = state.booth.products || [];
  state.pinnedId = state.booth.pinned_product_id ?? null;
  state.live = Boolean(state.booth.live);
  renderHead();
  if (state.session) enter();
  else {
    await renderGuestSignIn($('#signin'), {
      onDone: (session) => {
        // The UI language may have changed with the sign-in: start over, already signed in.
        if (session) window.location.reload();
      },
    });
  }
}

function renderHead() {
  const b = state.booth;
  pageTitle(b.name);
  $('#booth-name').textContent = b.name;
  const where = [b.city, b.country ? countryName(b.country) : null].filter(Boolean).join(', ');
  const logo = imageEl(b.logo, { cls: 'booth-logo', sizes: '48px' });
  if (logo) $('#booth-name').before(logo);
  // Each part isolated (<bdi>): a Latin company name in an Arabic page, or the reverse, would
  // otherwise reorder the separators and the words around it.
  const parts = [b.supplier_name, where, b.lang ? t('lobby.speaks', { lang: langName(b.lang) }) : null].filter(Boolean);
  setChildren($('#booth-sub'), ...parts.flatMap((part, i) => (i ? [' · ', h('bdi', {}, part)] : [h('bdi', {}, part)])));
}

async function enter() {
  $('#signin').replaceChildren();
  $('#booth-root').hidden = false;
  const me = state.session.user;
  state.chat = new ChatLog($('#chat-list'), {
    layout: 'viewer', orderBy: 'seq', empty: $('#chat-empty'),
    decorate: reportDecorator({ socket: () => state.socket, me }),
    onMessage: noteStored, // a line whose ack was lost comes back with the history: it was stored
  });
  keepChatEndAboveComposer($('#chat-list'), $('#chat-composer'), state.chat);
  state.slow = new SlowModeGate({
    form: $('#chat-form'), button: $('#chat-send'),
    exempt: ['moderator', 'admin'].includes(me.role) || (me.role === 'supplier' && me.booth_id === state.booth.id),
    isBlocked: () => $('#chat').dataset.joined !== 'true' || Date.now() < state.mutedUntil,
  });
  renderProducts();
  renderInquiryForm();
  renderStreamState();
  keepChatDraft();
  $('#chat-form').addEventListener('submit', sendChat);
  state.length = lengthCounter($('#chat-input'), $('#chat-count'), { status: $('#chat-status') });

  const socket = openBoothSocket(state.session.token, {
    boothId: state.booth.id, chat: state.chat, setJoined, onJoined,
    refused: (error) => {
      onRefused(error);
      // Refused for good (too many tabs, banned…): the page says why, and promises no reconnect.
      state.refused = true;
      clearTimeout(reconnectingNote);
      if ($('#chat-status').textContent === t('chat.reconnecting_note')) say($('#chat-status'), '');
      if (error?.code === 'banned') banned(error); // on a reload after the ban, as when it happened
    },
  });
  state.socket = socket;
  // For the browser console and the reconnect test: nothing here is secret from this page.
  window.boothcastDebug = { socket };
  if (state.session.user.role === 'buyer') {
    mountQuickPhrases(phraseContainer(), {
      role: 'buyer', socket: () => state.socket, boothId: state.booth.id, status: $('#chat-status'),
      products: () => state.products, pinned: () => (state.pinnedId !== null ? productById(state.pinnedId) : null),
      productName: (p) => localized(p).name,
    });
  }
  socket.on(S.CHAT_MESSAGE, (m) => { if (m.booth_id === state.booth.id) state.chat.add(m); });
  socket.on(S.CHAT_BATCH, (b) => { if (b.booth_id === state.booth.id) state.chat.merge(b.messages || []); });
  socket.on(S.CHAT_HIDDEN, (e) => {
    if (e.booth_id !== state.booth.id) return;
    // The author is told, so a hidden message never just vanishes from their own screen.
    const mine = state.chat.byId.get(e.message_id)?.li.dataset.authorId === String(state.session.user.id);
    state.chat.remove(e.message_id);
    if (mine) say($('#chat-status'), t('chat.your_message_hidden'), 'error');
  });
  socket.on(S.PRESENCE_UPDATE, (p) => { if (p.booth_id === state.booth.id) showViewers(p.viewers); });
  socket.on(S.PRODUCT_PINNED, (p) => { if (p.booth_id === state.booth.id) setPinned(p.pinned_product); });
  socket.on(S.STREAM_STATE, (s) => {
    if (s.booth_id !== state.booth.id) return;
    if (!s.live && (state.stream?.live || state.live)) state.justEnded = true;
    if (s.live) {
      state.justEnded = false;
      remindNow(state.booth);
    }
    state.stream = s;
    setLive(s.live);
    if (!s.live) loadReplays(); // the session that just ended is a replay now
  });
  socket.on(S.USER_MUTED, (m) => { if (m.booth_id === state.booth.id) setMuted(m.until); });
  socket.on(S.BOOTH_SLOW_MODE, (e) => { if (e.booth_id === state.booth.id) state.slow.set(e.seconds); });
  socket.on(S.USER_BANNED, banned);

  mountPlayer();
  loadReplays();
}


/** Banned from the fair: no composer, no quick phrases, and no "reconnecting" promise. */
function banned(error) {
  state.refused = true;
  pageError(errorText({ code: 'banned', reason: error?.reason }));
  watchForUnban();
  $('#chat-input').disabled = true;
  $('#chat-send').disabled = true;
  $('#chat-composer').hidden = true;
  clearTimeout(reconnectingNote);
  say($('#chat-status'), '');
}

let reconnectingNote = 0; // the timer that says why Send waits (setJoined)

function setJoined(joined) {
  $('#chat').dataset.joined = String(joined);
  $('#chat-send').disabled = !joined || Date.now() < state.mutedUntil || Boolean(state.slow?.waiting);
  const submit = state.inquiry?.form.querySelector('button[type="submit"]');
  if (submit) submit.disabled = !joined || state.inquiry.sent;
  // Send is disabled while the page is not in the booth: say why by the message box (on a phone
  // the top bar shows only a coloured dot). Not for a blip or a quick first join: only after 1.5 s
  // without the booth. Joined again, that line goes; an error said there meanwhile stays.
  const status = $('#chat-status');
  const note = t('chat.reconnecting_note');
  const inquiryNote = (show) => { if (state.inquiry) state.inquiry.waitNote.hidden = !show; };
  if (joined) {
    clearTimeout(reconnectingNote);
    reconnectingNote = 0;
    if (status.textContent === note) say(status, '');
    inquiryNote(false);
  } else if (!reconnectingNote && !state.refused) {
    reconnectingNote = setTimeout(() => {
      reconnectingNote = 0;
      if ($('#chat').dataset.joined !== 'true') {
        say(status, note);
        inquiryNote(true);
      }
    }, 1500);
  }
}

/** A buyer whose language no model translates is told so where they type, not left to guess. */
async function showLanguageNote() {
  const el = $('#chat-lang-note');
  const note = state.session?.user ? await untranslatedNote(state.session.user.lang, 'chat.lang_untranslated') : '';
  el.textContent = note;
  el.hidden = !note;
}

/** What a booth:join's ack tells the page besides the history. */
function onJoined(ack) {
  showLanguageNote();
  state.length?.setMax(ack.chat_max_length);
  showViewers(ack.viewers);
  setLive(ack.live);
  setPinned(ack.pinned_product ?? null);
  state.slow?.set(ack.slow_mode ?? 0);
}

main();
