// Supplier console: viewers and languages present, the chat with original and translation side
// by side (plus sending with an optional translation preview), pinning products, the go-live
// area (filled by the livestream module). The lead inbox is console_leads.js, the images
// console_images.js; this module owns the socket and hands them its events.

import { C, S } from './events.js';
import { $, h, setChildren, say } from './dom.js';
import { t, errorText, langName, nativeLangName } from './i18n.js';
import { api, ApiError, saveSession } from './session.js';
import { call } from './socket.js';
import { accountFollowed, bootPage, loadLiveModule, onRefused, openBoothSocket, pageError, pageTitle } from './page.js';
import { renderStaffSignIn, renderSessionBar } from './signin.js';
import { ChatLog } from './chat.js';
import { mountGlossary } from './glossary.js';
import { mountProductTexts } from './product_texts.js';
import { imageEl } from './booth_stage.js';
import { mountBoothImages, productImageControls } from './console_images.js';
import { leadsLoaded, loadLeads, mountLeads, putLead, showLead } from './console_leads.js';
import { mountWebhooks } from './webhooks.js';
import { mountAnalytics } from './analytics.js';
import { formatUnitPrice } from './units.js';
import { mountQuickPhrases, phraseContainer } from './phrases.js';
import { mountWaiting } from './waiting.js';
import { mountLeadNotify, notifyLead } from './lead_notify.js';
import { lengthCounter } from './chat_length.js';
import { KeptDraft } from './pending_send.js';

// Past the sender's poll (1 s) and a slow CRM's answer: the first try has usually been made.
const WEBHOOK_REFRESH_MS = 5000;

const state = {
  session: null,
  booth: null,
  products: [],
  pinnedId: null,
  socket: null,
  chat: null,
  waiting: null, // hooks of the "Waiting" list (waiting.js)
  webhooks: null, // hooks of the CRM webhooks panel (webhooks.js)
  length: null, // the chat box's length counter (chat_length.js)
};

let webhooksTimer = 0;
/** A lead event is being delivered to the CRM: show how it went once the first try is done. */
function webhooksLater() {
  clearTimeout(webhooksTimer);
  webhooksTimer = setTimeout(() => state.webhooks?.refresh(), WEBHOOK_REFRESH_MS);
}

async function main() {
  state.session = bootPage({ staffPage: true });
  renderSessionBar($('#session-bar'), state.session);
  const user = state.session?.user;
  if (!user) {
    renderStaffSignIn($('#signin'), { title: t('staff.console_title'), onDone: () => window.location.reload() });
    return;
  }
  if (user.role !== 'supplier' || typeof user.booth_id !== 'number') {
    pageError(user.role === 'buyer' ? t('staff.wrong_role') : t('console.no_booth'));
    if (user.role === 'buyer') renderStaffSignIn($('#signin'), { title: t('staff.console_title'), onDone: () => window.location.reload() });
    return;
  }
  if (!(await accountFollowed())) return; // banned, or the page reloads with the account as it is
  try {
    state.booth = await api(`/api/booths/${user.booth_id}`);
  } catch (err) {
    pageError(errorText(err instanceof ApiError ? err.error : { code: 'internal' }));
    return;
  }
  state.products = state.booth.products || [];
  state.pinnedId = state.booth.pinned_product_id ?? null;
  $('#console-root').hidden = false;
  pageTitle(`${t('console.title')} · ${state.booth.name}`);
  $('#booth-name').textContent = state.booth.name;
  $('#booth-link').href = `/booths/${encodeURIComponent(state.booth.slug)}`;
  state.chat = new ChatLog($('#chat-list'), { layout: 'staff', orderBy: 'seq', empty: $('#chat-empty'), markUntranslated: true });
  renderProducts();
  mountBoothImages($('#booth-images-root'), { booth: state.booth, token: state.session.token });
  renderLanguages(state.booth.languages);
  pending = new KeptDraft($('#chat-input'), `console.${state.booth.id}`);
  $('#chat-form').addEventListener('submit', sendChat);
  state.length = lengthCounter($('#chat-input'), $('#chat-count'), { status: $('#chat-status') });
  $('#chat-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('#chat-form').requestSubmit();
    }
  });
  $('#preview-btn').addEventListener('click', preview);
  mountLeads({ booth: state.booth, session: state.session, socket: () => state.socket, products: () => state.products });
  $('#notify-btn').hidden = false;
  mountLeadNotify($('#notify-btn'));
  state.waiting = mountWaiting($('#waiting-root'), {
    booth: state.booth, token: state.session.token, status: $('#waiting-status'), onLeadClick: showLead,
  });

  const socket = openBoothSocket(state.session.token, { boothId: state.booth.id, chat: state.chat, setJoined, onJoined });
  state.socket = socket;
  // Disabled or banned while the console is open: say so, not only a red dot.
  socket.on(S.USER_BANNED, (e) => onRefused({ code: 'banned', reason: e?.reason }));
  // Demoted or moved to another booth while the console is open: the page follows the account
  // (bootPage asks /api/me again), instead of offering actions the server now refuses.
  socket.on(S.ACCOUNT_UPDATED, (a) => {
    if (a?.role !== 'supplier' || a?.booth_id !== state.booth.id) {
      window.location.reload();
      return;
    }
    // A new name: the "signed in as" bar says it, as the supplier's new messages already do.
    state.session = { ...state.session, user: { ...state.session.user, display_name: a.display_name } };
    saveSession(state.session);
    renderSessionBar($('#session-bar'), state.session);
  });
  // The supplier's answers, prefilled from the pinned product (MOQ, unit, price, currency).
  mountQuickPhrases(phraseContainer(), {
    role: 'supplier', socket: () => state.socket, boothId: state.booth.id, status: $('#chat-status'),
    products: () => state.products, pinned: () => state.products.find((p) => p.id === state.pinnedId) ?? null,
    productName: (p) => p.name,
  });
  socket.on(S.CHAT_MESSAGE, (m) => {
    if (m.booth_id !== state.booth.id) return;
    state.chat.add(m);
    state.waiting.onChat(m);
  });
  socket.on(S.CHAT_BATCH, (b) => { if (b.booth_id === state.booth.id) state.chat.merge(b.messages || []); });
  socket.on(S.CHAT_HIDDEN, (e) => {
    if (e.booth_id !== state.booth.id) return;
    state.chat.remove(e.message_id);
    state.waiting.refresh(); // a hidden question (a banned spammer's) waits for nobody
  });
  socket.on(S.PRESENCE_UPDATE, (p) => {
    if (p.booth_id !== state.booth.id) return;
    $('#viewer-count').textContent = String(p.viewers ?? 0);
    renderLanguages(p.languages);
  });
  socket.on(S.PRODUCT_PINNED, (p) => { if (p.booth_id === state.booth.id) setPinned(p.pinned_product?.id ?? null); });
  socket.on(S.LEAD_NEW, (lead) => {
    if (lead.booth_id !== state.booth.id) return;
    putLead(lead, { fresh: true });
    state.waiting.onLeadNew(lead);
    notifyLead(lead);
    webhooksLater();
  });
  socket.on(S.LEAD_UPDATED, (lead) => {
    if (lead.booth_id !== state.booth.id) return;
    putLead(lead);
    state.waiting.onLeadUpdated(lead);
    webhooksLater();
  });
  socket.on(S.USER_MUTED, (m) => say($('#chat-status'), errorText({ code: 'muted', until: m.until }), 'error'));

  loadLeads();
  mountLiveControls();
  mountGlossary($('#glossary-root'), { booth: state.booth, token: state.session.token, countEl: $('#glossary-count') });
  mountProductTexts($('#ptexts-root'), { booth: state.booth, token: state.session.token });
  state.webhooks = mountWebhooks($('#webhooks-root'), { booth: state.booth, token: state.session.token });
  mountAnalytics($('#analytics-root'), { booth: state.booth, token: state.session.token });
}

/** Sending and previewing need the booth joined: the buttons wait for the join's ack. */
function setJoined(joined) {
  $('#chat').dataset.joined = String(joined);
  $('#chat-send').disabled = !joined;
  $('#preview-btn').disabled = !joined;
}

/** What a booth:join's ack tells the console besides the history. */
function onJoined(ack) {
  state.length?.setMax(ack.chat_max_length);
  if (typeof ack.viewers === 'number') $('#viewer-count').textContent = String(ack.viewers);
  if (ack.languages) renderLanguages(ack.languages);
  setPinned(ack.pinned_product?.id ?? null);
  // Leads may have arrived while we were disconnected.
  if (leadsLoaded()) {
    loadLeads();
    state.waiting.refresh();
  }
}

function renderLanguages(languages) {
  const el = $('#languages');
  // `languages` is {lang: count} everywhere; a list (older servers) is accepted too.
  const entries = Array.isArray(languages) ? languages.map((l) => [l, null]) : Object.entries(languages || {});
  if (!entries.length) {
    setChildren(el, h('span', { class: 'muted' }, t('console.no_viewers')));
    return;
  }
  setChildren(el, entries.map(([lang, n]) => h('span', { class: 'chip', 'data-lang': lang, title: langName(lang) },
    nativeLangName(lang), n === null ? null : h('span', { class: 'chip-count' }, String(n)))));
}

// --- go live ----------------------------------------------------------------------------------

async function mountLiveControls() {
  const container = $('#live-controls');
  const live = await loadLiveModule();
  if (live?.mountBroadcaster) {
    live.mountBroadcaster(container, { booth: state.booth, token: state.session.token });
    return;
  }
  setChildren(container,
    h('div', { class: 'btn-row' },
      h('button', { type: 'button', class: 'btn primary', disabled: true }, t('console.go_live')),
      h('button', { type: 'button', class: 'btn', disabled: true }, t('console.end'))),
    h('p', { class: 'muted' }, t('console.no_module')));
}

// --- products ---------------------------------------------------------------------------------

function renderProducts() {
  setChildren($('#product-list'), state.products.map((p) => {
    const pinned = p.id === state.pinnedId;
    return h('li', { class: `pin-item${pinned ? ' is-pinned' : ''}`, 'data-product-id': p.id },
      h('div', { class: 'pin-thumb' }, imageEl(p.image, { alt: p.name, sizes: '64px' })),
      h('div', { class: 'pin-info' },
        h('strong', {}, p.name),
        h('span', { class: 'muted' }, `${p.sku || ''} · ${formatUnitPrice(p.price, p.currency, p.unit)}`),
        pinned ? h('span', { class: 'badge pinned-badge' }, t('console.pinned')) : null),
      productImageControls(p, { token: state.session.token, status: $('#pin-status'), onChange: renderProducts }),
      h('button', {
        type: 'button',
        class: `btn small${pinned ? '' : ' primary'}`,
        'aria-pressed': pinned ? 'true' : 'false',
        onclick: () => pin(pinned ? null : p.id),
      }, pinned ? t('console.unpin') : t('console.pin')));
  }));
}

async function pin(productId) {
  const ack = await call(state.socket, C.PRODUCT_PIN, { booth_id: state.booth.id, product_id: productId });
  if (!ack.ok) {
    say($('#pin-status'), errorText(ack.error), 'error');
    return;
  }
  say($('#pin-status'), '');
  setPinned(ack.pinned_product?.id ?? null);
}

function setPinned(id) {
  if (state.pinnedId === id) return;
  state.pinnedId = id;
  renderProducts();
}

// --- chat -------------------------------------------------------------------------------------

// A retry after a lost ack (the supplier's network dropped) is the same message, not a copy; the
// line is kept across a reload or a new sign-in (pending_send.js).
let pending = null;

async function sendChat(event) {
  event.preventDefault();
  const input = $('#chat-input');
  const text = input.value.trim();
  if (!text) return;
  const button = $('#chat-send');
  button.disabled = true;
  const clientId = pending.idFor(text);
  const ack = await call(state.socket, C.CHAT_SEND, { booth_id: state.booth.id, text, client_id: clientId });
  button.disabled = $('#chat').dataset.joined !== 'true';
  if (ack.ok) {
    pending.done(clientId);
    if (input.value.trim() === text) input.value = ''; // what was typed meanwhile stays
    pending.save();
    state.length?.update();
    $('#preview-out').hidden = true;
    say($('#chat-status'), '');
  } else {
    say($('#chat-status'), errorText(ack.error), 'error');
  }
  input.focus();
}

async function preview() {
  const text = $('#chat-input').value.trim();
  const out = $('#preview-out');
  if (!text) return;
  const ack = await call(state.socket, C.CHAT_PREVIEW, { booth_id: state.booth.id, text });
  out.hidden = false;
  if (!ack.ok) {
    setChildren(out, h('p', { class: 'form-status', 'data-kind': 'error' }, errorText(ack.error)));
    return;
  }
  const rows = Object.entries(ack.translations || {}).filter(([lang]) => lang !== ack.source_lang);
  const doubted = new Set(ack.uncertain_langs || []);
  const back = ack.back_translation;
  setChildren(out,
    h('p', { class: 'preview-title' }, t('console.preview_title')),
    rows.length
      ? h('dl', { class: 'preview-list' }, rows.map(([lang, tr]) => previewRow(lang, tr, tr.uncertain === true || doubted.has(lang))))
      : h('p', { class: 'muted' }, t('console.no_other_langs')),
    back
      ? h('p', { class: 'back-translation', 'data-via': back.via || null },
        h('span', { class: 'muted' }, `${back.via ? t('console.back_translation_via', { lang: langName(back.via) }) : t('console.back_translation')} `),
        h('span', { class: 'back-text', lang: ack.source_lang }, back.text))
      : null);
}

// The gate's reasons (`doubts`) that a supplier can act on; unknown codes are left out.
const DOUBTS = ['coverage', 'unknown_words', 'low_score', 'round_trip', 'length', 'repetition', 'untranslated', 'pronouns', 'negation'];

/** One language of a preview; a doubted one says so (and why) before any buyer is misled. */
function previewRow(lang, tr, uncertain) {
  const reasons = uncertain ? (tr.doubts || []).filter((d) => DOUBTS.includes(d)).map((d) => t(`doubt.${d}`)) : [];
  return [
    h('dt', { class: uncertain ? 'is-uncertain' : null }, nativeLangName(lang)),
    h('dd', { class: uncertain ? 'is-uncertain' : null, 'data-lang': lang, 'data-uncertain': String(uncertain) },
      h('span', { class: 'preview-text', lang }, tr.text),
      tr.translated ? null : h('span', { class: 'muted' }, ` (${t('chat.original')})`),
      uncertain ? h('p', { class: 'preview-warning' },
        h('span', { class: 'warn-icon', 'aria-hidden': 'true' }),
        t('console.preview_uncertain', { lang: langName(lang) })) : null,
      reasons.length ? h('p', { class: 'preview-doubts muted' }, t('console.preview_doubts', { reasons: listText(reasons) })) : null),
  ];
}

function listText(items) {
  try {
    return new Intl.ListFormat(document.documentElement.lang || 'en', { type: 'conjunction' }).format(items);
  } catch {
    return items.join(', ');
  }
}

main();
