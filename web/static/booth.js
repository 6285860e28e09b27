// Booth page: the stream, live chat in the viewer's language, products with the pinned one
// highlighted, viewer count and the inquiry form. Re-joins the booth after every reconnect and
// merges history by seq, so a dropped connection never duplicates or loses visible lines.

import { C, S } from './events.js';
import { $, h, setChildren, say, field, select } from './dom.js';
import { t, tn, uiLang, errorText, countryName, langName } from './i18n.js';
import { api, ApiError } from './session.js';
import { call } from './socket.js';
import { bootPage, loadLiveModule, openBoothSocket, pageError, pageTitle } from './page.js';
import { renderGuestSignIn, renderSessionBar } from './signin.js';
import { ChatLog } from './chat.js';
import { reportDecorator, SlowModeGate } from './booth_safety.js';
import { countryOptions, CURRENCIES, INCOTERMS } from './trade.js';
import { formatQuantity, formatUnitPrice } from './units.js';
import { mountQuickPhrases, phraseContainer } from './phrases.js';
import { imageEl, remindNow, renderOffline, renderReplayList, renderVideoInquire } from './booth_stage.js';
import { productNameNodes, productText } from './product_text.js';

const slug = decodeURIComponent(window.location.pathname.split('/').filter(Boolean)[1] || '');

const state = {
  session: null,
  booth: null, // GET /api/booths/{slug}
  products: [],
  pinnedId: null,
  live: false,
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
};

async function main() {
  state.session = bootPage();
  renderSessionBar($('#session-bar'), state.session);
  try {
    state.booth = await api(`/api/booths/${encodeURIComponent(slug)}`);
  } catch (err) {
    $('#booth-name').textContent = t('booth.not_found');
    if (!(err instanceof ApiError && err.status === 404)) pageError(errorText(err.error));
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
  setChildren($('#booth-sub'),
    b.supplier_name,
    where ? ` · ${where}` : '',
    b.lang ? ` · ${t('lobby.speaks', { lang: langName(b.lang) })}` : '');
}

async function enter() {
  $('#signin').replaceChildren();
  $('#booth-root').hidden = false;
  const me = state.session.user;
  state.chat = new ChatLog($('#chat-list'), {
    layout: 'viewer', orderBy: 'seq', empty: $('#chat-empty'),
    decorate: reportDecorator({ socket: () => state.socket, me }),
  });
  state.slow = new SlowModeGate({
    form: $('#chat-form'), button: $('#chat-send'),
    exempt: ['moderator', 'admin'].includes(me.role) || (me.role === 'supplier' && me.booth_id === state.booth.id),
    isBlocked: () => $('#chat').dataset.joined !== 'true' || Date.now() < state.mutedUntil,
  });
  renderProducts();
  renderInquiryForm();
  renderStreamState();
  $('#chat-form').addEventListener('submit', sendChat);

  const socket = openBoothSocket(state.session.token, { boothId: state.booth.id, chat: state.chat, setJoined, onJoined });
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
  socket.on(S.USER_BANNED, () => {
    pageError(t('err.banned'));
    $('#chat-input').disabled = true;
    $('#chat-send').disabled = true;
  });

  mountPlayer();
  loadReplays();
}

/** Past sessions of this booth, newest first, each a link to its replay page. */
async function loadReplays() {
  let sessions;
  try {
    sessions = (await api(`/api/booths/${state.booth.id}/sessions`)).sessions || [];
  } catch {
    return; // no livestream module on this server: no replays either
  }
  const ended = sessions.filter((s) => s.status === 'ended' && s.replay_url).slice(0, 12);
  state.replay = ended[0] || null;
  renderStreamState();
  $('#replays').hidden = ended.length === 0;
  renderReplayList($('#replay-list'), ended);
}

/** Chat and inquiries only work for members: the controls wait for the join's ack. */
function setJoined(joined) {
  $('#chat').dataset.joined = String(joined);
  $('#chat-send').disabled = !joined || Date.now() < state.mutedUntil || Boolean(state.slow?.waiting);
  const submit = state.inquiry?.form.querySelector('button[type="submit"]');
  if (submit) submit.disabled = !joined || state.inquiry.sent;
}

/** What a booth:join's ack tells the page besides the history. */
function onJoined(ack) {
  showViewers(ack.viewers);
  setLive(ack.live);
  setPinned(ack.pinned_product ?? null);
  state.slow?.set(ack.slow_mode ?? 0);
}

// --- stream -----------------------------------------------------------------------------------

async function mountPlayer() {
  const live = await loadLiveModule();
  if (live?.mountPlayer) {
    live.mountPlayer($('#player'), {
      booth: state.booth,
      token: state.session.token,
      socket: state.socket, // stream:state pushes reach the player at once
      onState: (s) => {
        // The player knows best: "live" there means a segment is ready to play.
        state.live = typeof s === 'boolean' ? s : Boolean(s?.live);
        renderStreamState();
      },
    });
    state.playerModule = true;
  } else {
    state.noPlayerModule = true;
  }
}

/** Live state from the join ack or stream:state; the player module's own report wins. */
function setLive(live) {
  if (state.playerModule) return;
  state.live = Boolean(live);
  renderStreamState();
}

function renderStreamState() {
  $('#live-badge').hidden = !state.live;
  const overlay = $('#stream-offline');
  overlay.hidden = state.live;
  if (!state.live) renderOffline(overlay, { booth: state.booth, replay: state.replay, justEnded: state.justEnded });
  // After a stream, nothing is "on stream now": the pinned highlight waits for the next one.
  const ended = !state.live && Boolean(overlay.querySelector('.replay-card'));
  $('#booth-root').classList.toggle('is-live', state.live);
  $('#booth-root').classList.toggle('is-offline', !state.live);
  $('#booth-root').classList.toggle('is-ended', ended);
  showPinned();
  // Without the livestream module, still play a live HLS stream if we know its URL.
  const url = state.stream?.hls_url;
  if (state.noPlayerModule && state.live && url) playHls($('#player'), url);
}

async function playHls(video, url) {
  if (video.dataset.src === url) return;
  video.dataset.src = url;
  if (!window.Hls && !video.canPlayType('application/vnd.apple.mpegurl')) {
    // hls.js is ~400 kB: fetched only when there is something to play.
    await new Promise((resolve) => {
      const script = Object.assign(document.createElement('script'), { src: '/vendor/hls.min.js' });
      script.addEventListener('load', resolve, { once: true });
      script.addEventListener('error', resolve, { once: true });
      document.head.append(script);
    });
  }
  if (window.Hls?.isSupported()) {
    const hls = new window.Hls();
    hls.loadSource(url);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = url;
  }
  video.play().catch(() => { /* autoplay refused: the controls are there */ });
}

function showViewers(n) {
  const el = $('#viewer-count');
  if (typeof n !== 'number') return;
  el.hidden = false;
  el.textContent = tn('booth.viewers', n);
}

// --- products ---------------------------------------------------------------------------------

/** The viewer's language for product texts: the server localizes for the account's language. */
function readerLang(p) {
  const lang = state.session?.user?.lang;
  return p.localized?.lang === lang || p.localized_by_lang?.[lang] || p.i18n?.[lang] ? lang : uiLang();
}

/** A product's name/description/unit in the viewer's language (product_text.js). */
function localized(p) {
  return productText(p, readerLang(p));
}

/** Every spelling of a product's unit (the supplier's, its translations): to recognise it. */
function unitSpellings(p) {
  return [p.unit, ...Object.values(p.i18n || {}).map((tr) => tr?.unit)].filter(Boolean);
}

function productById(id) {
  return state.products.find((p) => p.id === id) || null;
}

function renderProducts() {
  setChildren($('#product-list'), state.products.map((p) => {
    const l = localized(p);
    return h('li', { class: `product-card${p.id === state.pinnedId ? ' is-pinned' : ''}`, 'data-product-id': p.id },
      imageEl(p.image, { alt: l.name, cls: 'product-image' }),
      h('span', { class: 'badge pinned-badge' }, t('booth.pinned')),
      h('h3', {}, ...productNameNodes(p, readerLang(p))),
      h('p', { class: 'muted sku' }, p.sku || ''),
      l.description ? h('p', { class: 'desc' }, l.description) : null,
      h('p', { class: 'price' }, formatUnitPrice(p.price, p.currency, l.unit, unitSpellings(p))),
      h('p', { class: 'moq muted' }, t('booth.moq', { qty: formatQuantity(p.moq, l.unit, unitSpellings(p)) })),
      h('button', { type: 'button', class: 'btn', onclick: () => inquireAbout(p.id) }, t('booth.inquire')));
  }));
}

function setPinned(product) {
  const known = product ? productById(product.id) : null;
  if (product && !known) state.products.push(product);
  // A pin carries the product in every language present: the freshest reading of its texts.
  else if (known && product.localized_by_lang) known.localized_by_lang = product.localized_by_lang;
  state.pinnedId = product ? product.id : null;
  for (const li of document.querySelectorAll('#product-list .product-card')) {
    li.classList.toggle('is-pinned', Number(li.dataset.productId) === state.pinnedId);
  }
  showPinned();
  // The inquiry form follows the pinned product until the buyer picks one themselves.
  if (state.inquiry && !state.inquiry.touched) selectProduct(state.pinnedId, false);
}

function showPinned() {
  const banner = $('#pinned-banner');
  const p = state.pinnedId !== null ? productById(state.pinnedId) : null;
  const ended = $('#booth-root').classList.contains('is-ended');
  banner.hidden = !p || ended;
  renderVideoInquire($('#video-inquire'), state.live ? p : null, p ? localized(p).name : '', inquireAbout);
  if (p) {
    const l = localized(p);
    setChildren(banner,
      h('span', { class: 'badge pinned-badge' }, t('booth.pinned')),
      h('strong', {}, ...productNameNodes(p, readerLang(p))),
      h('span', { class: 'price' }, formatUnitPrice(p.price, p.currency, l.unit, unitSpellings(p))),
      h('button', { type: 'button', class: 'btn primary small', onclick: () => inquireAbout(p.id) }, t('booth.inquire')));
  }
}

// --- chat -------------------------------------------------------------------------------------

function newClientId() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

async function sendChat(event) {
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

function setMuted(until) {
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

// --- inquiry ----------------------------------------------------------------------------------

function renderInquiryForm() {
  const user = state.session.user;
  if (user.role !== 'buyer') {
    say($('#inquiry-note'), user.booth_id === state.booth.id ? t('booth.staff_note') : t('booth.buyers_only'));
    return;
  }
  const product = select([['', t('inq.general')], ...state.products.map((p) => [String(p.id), localized(p).name])], { name: 'product_id' });
  const quantity = h('input', { name: 'quantity', type: 'number', min: 1, step: 1, inputmode: 'numeric' });
  const unit = h('input', { name: 'unit', maxlength: 40 });
  const price = h('input', { name: 'target_price', inputmode: 'decimal', maxlength: 20, pattern: '[0-9]+([.,][0-9]{1,4})?' });
  const currency = select(CURRENCIES.map((c) => [c, c]), { name: 'currency' });
  const incoterm = select([['', t('common.choose')], ...INCOTERMS.map((c) => [c, c])], { name: 'incoterm' });
  const destination = select([['', t('common.choose')], ...countryOptions()], { name: 'destination_country', value: user.country || '' });
  const company = h('input', { name: 'company', maxlength: 120, value: user.company || '', autocomplete: 'organization' });
  const email = h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email', maxlength: 254 });
  const message = h('textarea', { name: 'message', required: true, rows: 4, maxlength: 2000, placeholder: t('inq.message_ph') });
  const consent = h('input', { name: 'consent', type: 'checkbox', required: true, id: 'inq-consent' });
  const result = h('p', { class: 'form-status', role: 'status', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, t('inq.submit'));

  const form = h('form', { id: 'inquiry-form', class: 'card inquiry-form', 'aria-label': t('inq.form') },
    h('p', { class: 'muted' }, t('inq.intro')),
    h('div', { class: 'form-grid' },
      h('div', { class: 'span-2' }, field(t('inq.product'), product)),
      field(t('inq.quantity'), quantity),
      field(t('inq.unit'), unit),
      field(t('inq.target_price'), price),
      field(t('inq.currency'), currency),
      field(t('inq.incoterm'), incoterm),
      field(t('inq.destination'), destination),
      field(t('inq.company'), company, { optional: t('common.optional') }),
      field(t('inq.email'), email),
      h('div', { class: 'span-2' }, field(t('inq.message'), message))),
    h('div', { class: 'consent' }, consent, h('label', { for: 'inq-consent' }, t('inq.consent'))),
    result,
    h('div', { class: 'form-actions' }, submit));

  state.inquiry = { form, product, unit, currency, touched: false, sent: false };
  product.addEventListener('change', () => {
    state.inquiry.touched = true;
    selectProduct(product.value ? Number(product.value) : null, true);
  });
  // A sent inquiry keeps its button disabled until the buyer writes another one: one tap, one lead.
  form.addEventListener('input', () => {
    if (!state.inquiry.sent) return;
    state.inquiry.sent = false;
    submit.disabled = $('#chat').dataset.joined !== 'true';
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const payload = { booth_id: state.booth.id, message: message.value.trim(), email: email.value.trim(), consent: consent.checked };
    if (product.value) payload.product_id = Number(product.value);
    if (quantity.value) payload.quantity = Number.parseInt(quantity.value, 10);
    if (unit.value.trim()) payload.unit = unit.value.trim();
    if (price.value.trim()) {
      const p = price.value.trim().replace(',', '.');
      if (!/^\d+(\.\d{1,4})?$/.test(p)) {
        say(result, t('inq.price_invalid'), 'error');
        price.focus();
        return;
      }
      payload.target_price = p; // decimal string, never a float
      payload.currency = currency.value;
    }
    if (incoterm.value) payload.incoterm = incoterm.value;
    if (destination.value) payload.destination_country = destination.value;
    if (company.value.trim()) payload.company = company.value.trim();
    submit.disabled = true;
    submit.textContent = t('inq.sending');
    const ack = await call(state.socket, C.INQUIRY_SUBMIT, payload);
    submit.textContent = t('inq.submit');
    state.inquiry.sent = Boolean(ack.ok);
    submit.disabled = state.inquiry.sent || $('#chat').dataset.joined !== 'true';
    if (ack.ok) {
      say(result, t('inq.sent', { id: ack.lead?.id, email: payload.email }), 'ok');
      result.dataset.leadId = ack.lead?.id ?? '';
      message.value = '';
    } else {
      say(result, errorText(ack.error), 'error');
    }
  });
  $('#inquiry-slot').replaceChildren(form);
  selectProduct(state.pinnedId, false);
}

function selectProduct(id, fromUser) {
  const inq = state.inquiry;
  if (!inq) return;
  inq.product.value = id === null ? '' : String(id);
  const p = id === null ? null : productById(id);
  if (p && (fromUser || !inq.unit.value)) {
    inq.unit.value = localized(p).unit || '';
    if (CURRENCIES.includes(p.currency)) inq.currency.value = p.currency;
  }
}

function inquireAbout(productId) {
  if (!state.inquiry) {
    $('#inquiry').scrollIntoView({ behavior: 'smooth', block: 'start' });
    return;
  }
  state.inquiry.touched = true;
  selectProduct(productId, true);
  state.inquiry.form.scrollIntoView({ behavior: 'smooth', block: 'start' });
  state.inquiry.form.querySelector('[name="quantity"]').focus({ preventScroll: true });
}

main();
