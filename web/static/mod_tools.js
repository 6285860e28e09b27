// Moderator console tools beside the live feed: the reports queue (live, with each message's
// context), slow mode per booth, and the fair's word and link filter. Text only, never HTML.

import { C, S } from './events.js';
import { h, setChildren, say, select } from './dom.js';
import { t, errorText, formatTime, langName } from './i18n.js';
import { api, ApiError } from './session.js';
import { call } from './socket.js';

const SLOW_CHOICES = [0, 5, 10, 30, 60, 120, 300, 600];

function apiErrorText(err) {
  return errorText(err instanceof ApiError ? err.error : { code: 'internal' });
}

/** Under a feed line: what MT wrote in each language where the filter masked it, and the terms. */
export function filterHits(msg) {
  const hits = Array.isArray(msg.filter_hits) ? msg.filter_hits : [];
  if (!hits.length) return null;
  return h('div', { class: 'filter-hits' }, hits.map((hit) => h('p', { class: 'filter-hit' },
    h('span', { class: 'badge filter-badge' }, t('filters.masked', { lang: langName(hit.lang) })), ' ',
    h('span', { class: 'filter-terms' }, (hit.terms || []).join(', ')), ' · ',
    h('span', { class: 'filter-raw', lang: hit.lang }, hit.text || ''))));
}

// --- reports ----------------------------------------------------------------------------------

export class ReportsQueue {
  constructor({ list, empty, status, token, boothName, onResolved }) {
    Object.assign(this, { list, empty, status, token, boothName, onResolved });
    this.byId = new Map();
  }

  async load() {
    try {
      const data = await api('/api/moderation/reports?status=open', { token: this.token });
      this.byId.clear();
      this.list.replaceChildren();
      for (const r of (data.reports || []).slice().reverse()) this.add(r);
    } catch (err) {
      say(this.status, apiErrorText(err), 'error');
    }
    this.update();
  }

  listen(socket) {
    socket.on(S.REPORT_NEW, (r) => { if (r?.status === 'open') this.add(r); this.update(); });
    socket.on(S.REPORT_RESOLVED, (e) => { for (const id of e.report_ids || []) this.drop(id); this.update(); });
  }

  add(r) {
    if (typeof r?.id !== 'number') return;
    this.drop(r.id);
    const li = this.render(r);
    this.byId.set(r.id, li);
    this.list.prepend(li); // newest first
  }

  drop(id) {
    this.byId.get(id)?.remove();
    this.byId.delete(id);
  }

  update() {
    this.empty.hidden = this.byId.size > 0;
  }

  render(r) {
    const line = (m, reported) => {
      const translated = m.text !== m.original;
      // A doubted translation never leads: the author's words first, the machine's labelled (as in the feed).
      const doubted = translated && m.uncertain === true;
      return h('li', { class: `report-line${reported ? ' is-reported' : ''}${m.hidden ? ' is-hidden' : ''}`, dir: 'auto' },
        h('bdi', { class: 'author' }, m.author?.display_name || '?'), ' ',
        h('time', { datetime: m.created_at }, formatTime(m.created_at)), ' ',
        doubted
          ? [h('bdi', { class: 'report-text', lang: m.source_lang }, m.original), ' ',
            h('span', { class: 'badge uncertain-badge' }, h('span', { class: 'warn-icon', 'aria-hidden': 'true' }), t('chat.uncertain')),
            h('span', { class: 'report-original muted' }, ' (', h('bdi', {}, m.text), ')')]
          : [h('bdi', { class: 'report-text', lang: translated ? null : m.source_lang }, m.text),
            translated ? h('span', { class: 'report-original muted' }, ' (', h('bdi', { lang: m.source_lang }, m.original), ')') : null]);
    };
    const hide = h('button', { type: 'button', class: 'btn small danger', 'data-action': 'resolve-hide' }, t('mod.hide'));
    const dismiss = h('button', { type: 'button', class: 'btn small', 'data-action': 'resolve-dismiss' }, t('reports.dismiss'));
    const li = h('li', { class: 'report card-item', 'data-report-id': r.id, 'data-message-id': r.message?.id },
      h('div', { class: 'report-head' },
        h('span', { class: 'badge booth-badge' }, r.booth?.name || this.boothName(r.booth?.id)),
        h('span', { class: 'badge reason-badge' }, t(`report.reason.${r.reason}`)),
        h('span', { class: 'report-by' }, t('reports.by', { name: r.reporter?.display_name || '?' })),
        h('time', { datetime: r.created_at }, formatTime(r.created_at))),
      r.note ? h('p', { class: 'report-note' }, r.note) : null,
      h('ol', { class: 'report-context', 'aria-label': t('reports.context') },
        (r.before || []).map((m) => line(m, false)), r.message ? line(r.message, true) : null),
      h('div', { class: 'mod-actions' }, hide, dismiss));
    // Hiding takes the line from every reader at once: asked once more, in place, as the feed's
    // Hide asks in its dialog (a slip of the finger on a phone hid a message unasked).
    const actions = li.querySelector('.mod-actions');
    hide.addEventListener('click', () => {
      const confirm = h('button', { type: 'button', class: 'btn small danger', 'data-action': 'confirm-hide' }, t('mod.confirm'));
      const cancel = h('button', { type: 'button', class: 'btn small' }, t('mod.cancel'));
      confirm.addEventListener('click', () => this.resolve(r, 'hide', li));
      cancel.addEventListener('click', () => { setChildren(actions, hide, dismiss); hide.focus(); });
      setChildren(actions, h('span', { class: 'confirm-text' }, t('mod.confirm_hide')), confirm, cancel);
      confirm.focus();
    });
    dismiss.addEventListener('click', () => this.resolve(r, 'dismiss', li));
    return li;
  }

  async resolve(r, action, li) {
    for (const b of li.querySelectorAll('button')) b.disabled = true;
    try {
      const out = await api(`/api/moderation/reports/${r.id}/resolve`, { method: 'POST', body: { action }, token: this.token });
      for (const id of out.report_ids || [r.id]) this.drop(id);
      say(this.status, t(action === 'hide' ? 'reports.done_hide' : 'reports.done_dismiss'), 'ok');
      this.onResolved?.(r, action);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) this.drop(r.id);
      else for (const b of li.querySelectorAll('button')) b.disabled = false;
      say(this.status, apiErrorText(err), 'error');
    }
    this.update();
  }
}

// --- slow mode --------------------------------------------------------------------------------

/** A booth picker and an interval picker; shows each booth's current setting. */
export class SlowModeControl {
  constructor({ form, socket, booths, status }) {
    Object.assign(this, { form, socket, booths, status });
    this.current = new Map(); // booth_id -> seconds
    this.booth = h('select', { id: 'slow-booth', name: 'booth' });
    this.seconds = select(SLOW_CHOICES.map((s) => [String(s), s ? t('slow.every', { s }) : t('slow.off')]), { id: 'slow-seconds', name: 'seconds' });
    const apply = h('button', { type: 'submit', class: 'btn primary' }, t('slow.apply'));
    form.replaceChildren(
      h('div', { class: 'field' }, h('label', { for: 'slow-booth' }, t('mod.col_booth')), this.booth),
      h('div', { class: 'field' }, h('label', { for: 'slow-seconds' }, t('slow.interval')), this.seconds),
      apply);
    this.booth.addEventListener('change', () => this.showCurrent());
    form.addEventListener('submit', (event) => { event.preventDefault(); this.apply(); });
  }

  /** Every booth's setting (mod:watch's `slow_mode`), or one (booth:slow_mode). */
  set(boothId, seconds) {
    this.current.set(Number(boothId), Number(seconds) || 0);
    if (Number(this.booth.value) === Number(boothId)) this.showCurrent();
  }

  renderBooths() {
    const chosen = this.booth.value;
    setChildren(this.booth, [...this.booths()].sort((a, b) => a.name.localeCompare(b.name)).map((b) =>
      h('option', { value: b.booth_id }, b.name)));
    if (chosen && [...this.booth.options].some((o) => o.value === chosen)) this.booth.value = chosen;
    this.showCurrent();
  }

  showCurrent() {
    const s = this.current.get(Number(this.booth.value)) ?? 0;
    if (!SLOW_CHOICES.includes(s)) this.seconds.append(h('option', { value: String(s) }, t('slow.every', { s })));
    this.seconds.value = String(s);
  }

  async apply() {
    const booth_id = Number(this.booth.value);
    const seconds = Number(this.seconds.value);
    if (!booth_id) return;
    const ack = await call(this.socket(), C.SLOW_MODE_SET, { booth_id, seconds });
    if (!ack.ok) return say(this.status, errorText(ack.error), 'error');
    this.set(booth_id, ack.seconds);
    return say(this.status, ack.seconds ? t('slow.done', { s: ack.seconds }) : t('slow.done_off'), 'ok');
  }
}

// --- word and link filter ---------------------------------------------------------------------

export async function mountFilters(form, { token, status }) {
  const terms = h('textarea', { id: 'filter-terms', name: 'terms', rows: '5', spellcheck: 'false' });
  const policy = select(['off', 'block', 'allowlist'].map((p) => [p, t(`filters.links.${p}`)]), { id: 'filter-links', name: 'link_policy' });
  const domains = h('textarea', { id: 'filter-domains', name: 'allowed_domains', rows: '3', spellcheck: 'false' });
  const domainsField = h('div', { class: 'field' }, h('label', { for: 'filter-domains' }, t('filters.domains')), domains,
    h('p', { class: 'hint' }, t('filters.one_per_line')));
  form.replaceChildren(
    h('div', { class: 'field' }, h('label', { for: 'filter-terms' }, t('filters.terms')), terms,
      h('p', { class: 'hint' }, t('filters.terms_hint'))),
    h('div', { class: 'field' }, h('label', { for: 'filter-links' }, t('filters.links')), policy),
    domainsField,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn primary' }, t('filters.save'))));
  const show = (f) => {
    terms.value = (f.terms || []).join('\n');
    policy.value = f.link_policy || 'off';
    domains.value = (f.allowed_domains || []).join('\n');
    domainsField.hidden = policy.value !== 'allowlist';
  };
  policy.addEventListener('change', () => { domainsField.hidden = policy.value !== 'allowlist'; });
  const lines = (el) => el.value.split('\n').map((s) => s.trim()).filter(Boolean);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      show(await api('/api/moderation/filters', { method: 'PUT', token,
        body: { terms: lines(terms), link_policy: policy.value, allowed_domains: lines(domains) } }));
      say(status, t('filters.saved'), 'ok');
    } catch (err) {
      say(status, apiErrorText(err), 'error');
    }
  });
  try {
    show(await api('/api/moderation/filters', { token }));
  } catch (err) {
    say(status, apiErrorText(err), 'error');
  }
}

