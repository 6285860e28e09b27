// The console's lead inbox: every lead of the booth, newest (or longest waiting) first, with the
// buyer's words beside their translation, the status, notes, and the CSV export. Live from
// `lead:new` / `lead:updated` through console.js, which owns the socket.

import { C } from './events.js';
import { $, h, say, select } from './dom.js';
import { t, tn, errorText, langName, countryName, formatDateTime, formatPrice } from './i18n.js';
import { api, download, ApiError } from './session.js';
import { call } from './socket.js';
import { onRefused } from './page.js';
import { foreignTo } from './chat.js';
import { KeptDraft } from './pending_send.js';
import { LEAD_STATUSES } from './trade.js';
import { formatQuantity } from './units.js';
import { leadTiming, longestWaitingFirst } from './waiting.js';

// Set by mountLeads: the booth, the signed-in session, and getters for what console.js replaces.
let ctx = null;
const leads = new Map(); // id -> {lead, li, statusSelect, timing}

/** Start the inbox; `socket()` and `products()` give console.js's current ones. */
export function mountLeads({ booth, session, socket, products }) {
  ctx = { booth, session, socket, products, loaded: false };
  $('#export-csv').addEventListener('click', exportCsv);
  $('#lead-sort').addEventListener('change', sortLeads);
}

/** Whether the first load has finished (a reconnect reloads only then). */
export const leadsLoaded = () => ctx?.loaded === true;

export async function loadLeads() {
  try {
    const data = await api(`/api/booths/${ctx.booth.id}/leads`, { token: ctx.session.token });
    // Oldest first from the server or not, the inbox shows the newest on top.
    const loaded = [...(data.leads || [])].sort((a, b) => a.id - b.id);
    for (const lead of loaded) putLead(lead);
    ctx.loaded = true;
    say($('#leads-status'), '');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) onRefused({ code: 'unauthorized' });
    say($('#leads-status'), errorText(err instanceof ApiError ? err.error : { code: 'internal' }), 'error');
  }
  updateLeadCount();
}

function updateLeadCount() {
  const n = leads.size;
  $('#lead-count').textContent = tn('leads.count', n);
  $('#leads-empty').hidden = n > 0;
}

function productName(lead) {
  if (lead.product_name) return lead.product_name;
  const p = ctx.products().find((x) => x.id === lead.product_id);
  return p ? p.name : null;
}

export function putLead(lead, { fresh = false } = {}) {
  const existing = leads.get(lead.id);
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
  leads.set(lead.id, entry);
  $('#lead-list').prepend(entry.li);
  if ($('#lead-sort').value !== 'newest') sortLeads();
  updateLeadCount();
}

function sortLeads() {
  const order = $('#lead-sort').value === 'waiting' ? longestWaitingFirst : (a, b) => b.id - a.id;
  const entries = [...leads.values()].sort((a, b) => order(a.lead, b.lead));
  $('#lead-list').append(...entries.map((e) => e.li));
}

export function showLead(id) {
  const li = leads.get(id)?.li;
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
    const ack = await call(ctx.socket(), C.LEAD_UPDATE, { lead_id: lead.id, status: statusSelect.value });
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
      h('strong', { class: 'buyer-name', dir: 'auto' }, buyer.display_name || '?'),
      buyer.company ? h('span', { class: 'company', dir: 'auto' }, buyer.company) : null,
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
        h('p', { class: 'lead-message', lang: lead.source_lang, dir: 'auto' }, lead.message)),
      hasTranslation ? h('div', { class: `msg-col${uncertain ? ' is-uncertain' : ''}` },
        h('span', { class: 'col-label' }, t(translationLabel, { lang: langName(lead.target_lang || ctx.session.user.lang) })),
        h('p', { class: 'lead-message-translated', dir: 'auto' }, lead.message_translated)) : null,
      // Not left to guess: no translation is shown because none exists on this server.
      !hasTranslation && foreignTo(lead.source_lang, lead.target_lang || ctx.session.user.lang)
        ? h('p', { class: 'hint lead-untranslated' }, t('leads.untranslated', { lang: langName(lead.source_lang) })) : null),
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
  // A half-typed note survives a reload (or a sign-in again) in this tab; its panel opens with it.
  const draft = new KeptDraft(input, `lead-note.${lead.id}`);
  let loaded = false;
  // Notes by id: a note added while the list loads (a slow network, a quick supplier) is merged
  // with what the load returns, never wiped by it.
  const notes = new Map();
  const render = () => {
    const sorted = [...notes.values()].sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)) || a.id - b.id);
    list.replaceChildren(...sorted.map((note) => h('li', { 'data-note-id': String(note.id) },
      h('span', { class: 'muted' }, `${formatDateTime(note.created_at)} · ${note.author?.display_name ?? note.author ?? ''}: `), note.text)));
    if (!sorted.length && loaded) list.append(h('li', { class: 'muted empty-note' }, t('leads.no_notes')));
  };
  const addNote = (note) => { notes.set(note.id, note); render(); };
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    try {
      const data = await api(`/api/leads/${lead.id}`, { token: ctx.session.token });
      loaded = true;
      for (const note of data.lead?.notes || []) notes.set(note.id, note);
      render();
    } catch (err) {
      say(status, errorText(err instanceof ApiError ? err.error : { code: 'internal' }), 'error');
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const ack = await call(ctx.socket(), C.LEAD_NOTE, { lead_id: lead.id, text });
    if (ack.ok) {
      addNote(ack.note);
      input.value = '';
      draft.save();
      say(status, '');
    } else {
      say(status, errorText(ack.error), 'error');
    }
  });
  if (input.value) details.open = true;
  return details;
}

async function exportCsv() {
  const date = new Date().toISOString().slice(0, 10);
  try {
    await download(`/api/booths/${ctx.booth.id}/leads?format=csv`, ctx.session.token, `leads-${ctx.booth.slug}-${date}.csv`);
    say($('#leads-status'), '');
  } catch (err) {
    say($('#leads-status'), errorText(err instanceof ApiError ? err.error : { code: 'internal' }), 'error');
  }
}
