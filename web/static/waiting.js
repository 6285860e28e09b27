// The console's "Waiting" list: buyers whose chat question no staff message has answered yet, or
// whose lead nobody has worked (GET /api/booths/{id}/waiting, rooms/waiting.py for the rule). It
// is loaded on start, on reconnect and once a minute; in between it follows the chat and lead
// events the console already receives, so a busy booth costs the server no recount per message.
// One ticker (owned here) rewrites every "waiting 3 min" label on the page once a second.

import { h, setChildren, say } from './dom.js';
import { t, errorText, countryName, uiLang } from './i18n.js';
import { api, ApiError } from './session.js';

const REFRESH_MS = 60_000;
const TICK_MS = 1_000;

/** "45 s", "3 min", "2 h 5 min" in the UI language (Intl units: no plural strings to keep). */
export function formatWait(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const unit = (n, u) => new Intl.NumberFormat(uiLang(), { style: 'unit', unit: u, unitDisplay: 'short' }).format(n);
  if (s < 60) return unit(s, 'second');
  const m = Math.floor(s / 60);
  if (m < 60) return unit(m, 'minute');
  return `${unit(Math.floor(m / 60), 'hour')} ${unit(m % 60, 'minute')}`;
}

const at = (iso) => Date.parse(iso);

/** A label that the ticker keeps at "waiting <time>" from `sinceMs` (server clock). */
export function waitLabel(sinceMs, attrs = {}) {
  const el = h('span', { ...attrs, 'data-wait-since': String(sinceMs) });
  el.textContent = t('waiting.for', { time: formatWait(serverNow() - sinceMs) });
  return el;
}

// The server's clock minus ours, from the last answer's `now`: labels count from server times.
let skew = 0;
const serverNow = () => Date.now() + skew;

function tick() {
  for (const el of document.querySelectorAll('[data-wait-since]')) {
    el.textContent = t('waiting.for', { time: formatWait(serverNow() - Number(el.dataset.waitSince)) });
  }
}

let ticker = null;

/** On a lead card: "answered in 12 min" once worked; until then a ticking "waiting 3 min". */
export function leadTiming(lead) {
  if (typeof lead.first_response_ms === 'number') {
    const time = formatWait(lead.first_response_ms);
    return h('span', { class: 'lead-timing', 'data-answered': 'true' }, t('leads.answered_in', { time }));
  }
  return waitLabel(at(lead.created_at), { class: 'lead-timing', 'data-answered': 'false' });
}

/** The inbox's "longest waiting" order: unworked leads, oldest first, then the worked, newest first. */
export function longestWaitingFirst(a, b) {
  const wa = a.first_response_at ? 1 : 0;
  const wb = b.first_response_at ? 1 : 0;
  if (wa !== wb) return wa - wb;
  return wa ? b.id - a.id : at(a.created_at) - at(b.created_at) || a.id - b.id;
}

/**
 * Mount the list in `root`; returns the hooks the console calls from its socket handlers.
 * `onLeadClick(id)` shows a lead in the inbox.
 */
export function mountWaiting(root, { booth, token, status, onLeadClick }) {
  const buyers = new Map(); // buyer id -> {buyer, question: {since, messages} | null, leads: Map(id -> since)}
  const list = h('ol', { class: 'waiting-list', id: 'waiting-list' });
  const empty = h('p', { class: 'muted', id: 'waiting-empty' }, t('waiting.empty'));
  setChildren(root, empty, list);

  const sinceOf = (e) => Math.min(...[e.question?.since, ...e.leads.values()].filter((x) => x !== undefined));

  function render() {
    for (const [id, e] of buyers) if (!e.question && !e.leads.size) buyers.delete(id);
    const entries = [...buyers.values()].sort((a, b) => sinceOf(a) - sinceOf(b) || a.buyer.id - b.buyer.id);
    setChildren(list, entries.map((e) => h('li', { class: 'waiting-item', 'data-buyer-id': e.buyer.id },
      h('div', { class: 'waiting-who' },
        h('strong', {}, e.buyer.display_name || '?'),
        e.buyer.company ? h('span', { class: 'muted' }, e.buyer.company) : null,
        e.buyer.country ? h('span', { class: 'muted' }, countryName(e.buyer.country)) : null),
      h('div', { class: 'waiting-what' },
        e.question ? h('span', { class: 'chip waiting-kind', 'data-kind': 'question' }, t('waiting.question')) : null,
        [...e.leads.keys()].map((id) => h('button', {
          type: 'button', class: 'chip waiting-kind', 'data-kind': 'lead', 'data-lead-id': id,
          onclick: () => onLeadClick?.(id),
        }, t('waiting.lead'))),
        waitLabel(sinceOf(e), { class: 'waiting-for' })))));
    empty.hidden = entries.length > 0;
  }

  function entryOf(buyer) {
    if (!buyers.has(buyer.id)) buyers.set(buyer.id, { buyer, question: null, leads: new Map() });
    return buyers.get(buyer.id);
  }

  let loading = null;
  async function refresh() {
    if (loading) return loading;
    loading = (async () => {
      try {
        const asked = Date.now();
        const data = await api(`/api/booths/${booth.id}/waiting`, { token });
        skew = Date.parse(data.now) - (asked + Date.now()) / 2;
        buyers.clear();
        for (const w of data.waiting || []) {
          const e = entryOf(w.buyer);
          if (w.question) e.question = { since: at(w.question.since), messages: w.question.messages };
          for (const l of w.leads || []) e.leads.set(l.id, at(l.created_at));
        }
        say(status, '');
        render();
      } catch (err) {
        say(status, errorText(err instanceof ApiError ? err.error : { code: 'internal' }), 'error');
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  // Chat authors carry no booth: another booth's supplier speaking here would clear the list
  // early, until the next refresh (at most a minute) puts it right from the server's rule.
  const isStaff = (author) => author?.role === 'supplier' && (author.booth_id ?? booth.id) === booth.id;

  /** A chat message in the booth: a buyer's question starts (or adds to) a wait; staff's ends them. */
  function onChat(m) {
    if (m.booth_id !== booth.id || !m.author) return;
    const when = at(m.created_at);
    if (isStaff(m.author)) {
      // The analytics rule: a staff message answers every question asked before it.
      for (const e of buyers.values()) if (e.question && e.question.since < when) e.question = null;
      render();
    } else if (m.author.role === 'buyer') {
      const e = entryOf(m.author);
      if (!e.question) e.question = { since: when, messages: 0 };
      e.question.messages += 1;
      render();
    }
  }

  function onLeadNew(lead) {
    if (lead.booth_id !== booth.id || lead.first_response_at) return;
    entryOf(lead.buyer || { id: 0 }).leads.set(lead.id, at(lead.created_at));
    render();
  }

  /** A worked lead stops waiting, and (as analytics counts it) answers its buyer's question. */
  function onLeadUpdated(lead) {
    if (lead.booth_id !== booth.id || !lead.first_response_at) return;
    const e = buyers.get(lead.buyer?.id);
    if (!e) return;
    e.leads.delete(lead.id);
    if (e.question && e.question.since <= at(lead.first_response_at)) e.question = null;
    render();
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
  if (ticker === null) ticker = setInterval(tick, TICK_MS);
  return { refresh, onChat, onLeadNew, onLeadUpdated };
}
