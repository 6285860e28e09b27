// Supplier console: viewers and languages present, the chat with original and translation side
// by side (plus sending with an optional translation preview), pinning products, the go-live
// area (filled by the livestream module) and the lead inbox.

import { C, S } from './events.js';
import { $, h, setChildren, say, select } from './dom.js';
import { t, tn, errorText, langName, nativeLangName, countryName, formatDateTime, formatPrice } from './i18n.js';
import { api, download, ApiError } from './session.js';
import { call } from './socket.js';
import { bootPage, loadLiveModule, onRefused, openBoothSocket, pageError, pageTitle } from './page.js';
import { renderStaffSignIn, renderSessionBar } from './signin.js';
import { ChatLog } from './chat.js';
import { mountGlossary } from './glossary.js';
import { mountProductTexts } from './product_texts.js';
import { imageEl } from './booth_stage.js';
import { mountBoothImages, uploadButton } from './image_upload.js';
import { mountWebhooks } from './webhooks.js';
import { mountAnalytics } from './analytics.js';
import { LEAD_STATUSES } from './trade.js';
import { formatQuantity, formatUnitPrice } from './units.js';
import { mountQuickPhrases, phraseContainer } from './phrases.js';
import { leadTiming, longestWaitingFirst, mountWaiting } from './waiting.js';
import { mountLeadNotify, notifyLead } from './lead_notify.js';

const state = {
  session: null,
  booth: null,
  products: [],
  pinnedId: null,
  socket: null,
  chat: null,
  leads: new Map(), // id -> {lead, li}
  waiting: null, // hooks of the "Waiting" list (waiting.js)
};

async function main() {
  state.session = bootPage();
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
  state.chat = new ChatLog($('#chat-list'), { layout: 'staff', orderBy: 'seq', empty: $('#chat-empty') });
  renderProducts();
  mountBoothImages($('#booth-images-root'), { booth: state.booth, token: state.session.token });
  renderLanguages(state.booth.languages);
  $('#chat-form').addEventListener('submit', sendChat);
  $('#chat-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('#chat-form').requestSubmit();
    }
  });
  $('#preview-btn').addEventListener('click', preview);
  $('#export-csv').addEventListener('click', exportCsv);
  $('#lead-sort').addEventListener('change', sortLeads);
  $('#notify-btn').hidden = false;
  mountLeadNotify($('#notify-btn'));
  state.waiting = mountWaiting($('#waiting-root'), {
    booth: state.booth, token: state.session.token, status: $('#waiting-status'), onLeadClick: showLead,
  });

  const socket = openBoothSocket(state.session.token, { boothId: state.booth.id, chat: state.chat, setJoined, onJoined });
  state.socket = socket;
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
  socket.on(S.CHAT_HIDDEN, (e) => { if (e.booth_id === state.booth.id) state.chat.remove(e.message_id); });
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
  });
  socket.on(S.LEAD_UPDATED, (lead) => {
    if (lead.booth_id !== state.booth.id) return;
    putLead(lead);
    state.waiting.onLeadUpdated(lead);
  });
  socket.on(S.USER_MUTED, (m) => say($('#chat-status'), errorText({ code: 'muted', until: m.until }), 'error'));

  loadLeads();
  mountLiveControls();
  mountGlossary($('#glossary-root'), { booth: state.booth, token: state.session.token, countEl: $('#glossary-count') });
  mountProductTexts($('#ptexts-root'), { booth: state.booth, token: state.session.token });
  mountWebhooks($('#webhooks-root'), { booth: state.booth, token: state.session.token });
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
  if (typeof ack.viewers === 'number') $('#viewer-count').textContent = String(ack.viewers);
  if (ack.languages) renderLanguages(ack.languages);
  setPinned(ack.pinned_product?.id ?? null);
  // Leads may have arrived while we were disconnected.
  if (state.leadsLoaded) loadLeads();
  if (state.leadsLoaded) state.waiting.refresh();
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
      uploadButton({
        path: `/api/products/${p.id}/image`, token: state.session.token, status: $('#pin-status'),
        label: p.image ? t('images.change_photo') : t('images.add_photo'),
        onDone: (image) => { p.image = image; renderProducts(); },
      }),
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

async function sendChat(event) {
  event.preventDefault();
  const input = $('#chat-input');
  const text = input.value.trim();
  if (!text) return;
  const button = $('#chat-send');
  button.disabled = true;
  const ack = await call(state.socket, C.CHAT_SEND, { booth_id: state.booth.id, text });
  button.disabled = $('#chat').dataset.joined !== 'true';
  if (ack.ok) {
    input.value = '';
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
const DOUBTS = ['coverage', 'unknown_words', 'low_score', 'round_trip', 'length', 'repetition', 'untranslated'];

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

// --- leads ------------------------------------------------------------------------------------

async function loadLeads() {
  try {
    const data = await api(`/api/booths/${state.booth.id}/leads`, { token: state.session.token });
    // Oldest first from the server or not, the inbox shows the newest on top.
    const leads = [...(data.leads || [])].sort((a, b) => a.id - b.id);
    for (const lead of leads) putLead(lead);
    state.leadsLoaded = true;
    say($('#leads-status'), '');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) onRefused({ code: 'unauthorized' });
    say($('#leads-status'), errorText(err instanceof ApiError ? err.error : { code: 'internal' }), 'error');
  }
  updateLeadCount();
}

function updateLeadCount() {
  const n = state.leads.size;
  $('#lead-count').textContent = tn('leads.count', n);
  $('#leads-empty').hidden = n > 0;
}

function productName(lead) {
  if (lead.product_name) return lead.product_name;
  const p = state.products.find((x) => x.id === lead.product_id);
  return p ? p.name : null;
}

function putLead(lead, { fresh = false } = {}) {
  const existing = state.leads.get(lead.id);
  if (existing) {
    // Keep the open notes panel and any typed note: only refresh the status.
    existing.lead = { ...existing.lead, ...lead };
    existing.li.dataset.status = lead.status;
    existing.statusSelect.value = lead.status;
    existing.timing.replaceWith(existing.timing = leadTiming(existing.lead));
    if ($('#lead-sort').value !== 'newest') sortLeads();
    // "New" means nobody has worked the lead yet: any status change takes the badge away.
    if (lead.status !== 'new') {
      existing.li.classList.remove('is-fresh');
      existing.li.querySelector('.new-badge')?.remove();
    }
    return;
  }
  const entry = renderLead(lead, fresh);
  state.leads.set(lead.id, entry);
  $('#lead-list').prepend(entry.li);
  if ($('#lead-sort').value !== 'newest') sortLeads();
  updateLeadCount();
}

function sortLeads() {
  const order = $('#lead-sort').value === 'waiting' ? longestWaitingFirst : (a, b) => b.id - a.id;
  const entries = [...state.leads.values()].sort((a, b) => order(a.lead, b.lead));
  $('#lead-list').append(...entries.map((e) => e.li));
}

function showLead(id) {
  const li = state.leads.get(id)?.li;
  if (!li) return;
  li.scrollIntoView({ block: 'center' });
  li.querySelector('.status-select')?.focus();
}

function renderLead(lead, fresh) {
  const buyer = lead.buyer || {};
  const entry = { lead };
  const statusSelect = select(LEAD_STATUSES.map((s) => [s, t(`status.${s}`)]), { value: lead.status, class: 'status-select' });
  statusSelect.id = `lead-status-${lead.id}`;
  const statusMsg = h('p', { class: 'form-status', role: 'status', hidden: true });
  statusSelect.addEventListener('change', async () => {
    const previous = entry.lead.status;
    const ack = await call(state.socket, C.LEAD_UPDATE, { lead_id: lead.id, status: statusSelect.value });
    if (ack.ok) {
      putLead(ack.lead);
      say(statusMsg, '');
    } else {
      statusSelect.value = previous;
      say(statusMsg, errorText(ack.error), 'error');
    }
  });
  entry.statusSelect = statusSelect;
  entry.timing = leadTiming(lead);

  const facts = [
    [t('leads.product'), productName(lead)],
    [t('leads.quantity'), lead.quantity != null ? formatQuantity(lead.quantity, lead.unit || '') : null],
    [t('leads.target_price'), lead.target_price != null ? (lead.currency ? formatPrice(lead.target_price, lead.currency) : lead.target_price) : null],
    [t('leads.incoterm'), lead.incoterm],
    [t('leads.destination'), lead.destination_country ? countryName(lead.destination_country) : null],
  ].filter(([, v]) => v);

  const hasTranslation = Boolean(lead.message_translated?.trim()) && lead.message_translated !== lead.message;
  // A doubted translation is flagged and never shown alone: the buyer's own words come first.
  const uncertain = hasTranslation && lead.message_uncertain === true;
  const translationLabel = uncertain ? 'leads.translation_uncertain' : 'leads.translation';
  const li = h('li', {
    class: `lead${fresh ? ' is-fresh' : ''}`,
    'data-lead-id': lead.id,
    'data-status': lead.status,
    'data-uncertain': uncertain ? 'true' : 'false',
  },
    h('div', { class: 'lead-head' },
      h('strong', { class: 'buyer-name' }, buyer.display_name || '?'),
      buyer.company ? h('span', { class: 'company' }, buyer.company) : null,
      buyer.country ? h('span', { class: 'muted' }, countryName(buyer.country)) : null,
      fresh ? h('span', { class: 'badge new-badge' }, t('leads.new')) : null,
      uncertain ? h('span', { class: 'badge uncertain-badge', title: t('leads.uncertain_title') },
        h('span', { class: 'warn-icon', 'aria-hidden': 'true' }), t('leads.uncertain')) : null,
      h('time', { class: 'muted', datetime: lead.created_at }, formatDateTime(lead.created_at))),
    buyer.email ? h('a', { class: 'email', href: `mailto:${buyer.email}` }, buyer.email) : null,
    facts.length ? h('dl', { class: 'lead-facts' }, facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))) : null,
    h('div', { class: `lead-msg${hasTranslation ? ' pair' : ''}${uncertain ? ' is-uncertain' : ''}` },
      h('div', { class: 'msg-col' },
        h('span', { class: 'col-label' }, t('leads.buyer_wrote', { lang: langName(lead.source_lang) })),
        h('p', { class: 'lead-message', lang: lead.source_lang }, lead.message)),
      hasTranslation ? h('div', { class: `msg-col${uncertain ? ' is-uncertain' : ''}` },
        h('span', { class: 'col-label' }, t(translationLabel, { lang: langName(lead.target_lang || state.session.user.lang) })),
        h('p', { class: 'lead-message-translated' }, lead.message_translated)) : null),
    h('div', { class: 'lead-actions' },
      h('label', { for: statusSelect.id }, t('leads.status')), statusSelect, entry.timing),
    statusMsg,
    renderNotes(lead));
  entry.li = li;
  return entry;
}

function renderNotes(lead) {
  const list = h('ul', { class: 'notes' });
  const input = h('input', { name: 'note', maxlength: 2000, 'aria-label': t('leads.note') });
  const status = h('p', { class: 'form-status', role: 'status', hidden: true });
  const form = h('form', { class: 'note-form' }, input, h('button', { type: 'submit', class: 'btn small' }, t('leads.add_note')));
  const details = h('details', { class: 'lead-notes' }, h('summary', {}, t('leads.notes')), list, form, status);
  let loaded = false;
  const addNote = (note) => list.append(h('li', {},
    h('span', { class: 'muted' }, `${formatDateTime(note.created_at)} · ${note.author?.display_name ?? note.author ?? ''}: `), note.text));
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    try {
      const data = await api(`/api/leads/${lead.id}`, { token: state.session.token });
      list.replaceChildren();
      for (const note of data.lead?.notes || []) addNote(note);
      if (!list.children.length) list.append(h('li', { class: 'muted empty-note' }, t('leads.no_notes')));
    } catch (err) {
      say(status, errorText(err instanceof ApiError ? err.error : { code: 'internal' }), 'error');
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const ack = await call(state.socket, C.LEAD_NOTE, { lead_id: lead.id, text });
    if (ack.ok) {
      list.querySelector('.empty-note')?.remove();
      addNote(ack.note);
      input.value = '';
      say(status, '');
    } else {
      say(status, errorText(ack.error), 'error');
    }
  });
  return details;
}

async function exportCsv() {
  const date = new Date().toISOString().slice(0, 10);
  try {
    await download(`/api/booths/${state.booth.id}/leads?format=csv`, state.session.token, `leads-${state.booth.slug}-${date}.csv`);
    say($('#leads-status'), '');
  } catch (err) {
    say($('#leads-status'), errorText(err instanceof ApiError ? err.error : { code: 'internal' }), 'error');
  }
}

main();
