// Moderator console: every booth's live state, a merged live feed of all booths (original and
// the moderator's language), Hide / Mute / Ban behind a real <dialog>, and the audit log.

import { C, S } from './events.js';
import { $, h, setChildren, say } from './dom.js';
import { t, errorText, nativeLangName, formatDateTime, formatTime, hasKey } from './i18n.js';
import { api, ApiError } from './session.js';
import { openSocket, call } from './socket.js';
import { accountFollowed, bootPage, connectionIndicator, pageError, pageTitle, onRefused } from './page.js';
import { renderStaffSignIn, renderSessionBar } from './signin.js';
import { ChatLog, SeqCatchUp } from './chat.js';
import { filterHits, mountFilters, ReportsQueue, SlowModeControl } from './mod_tools.js';
import { mountFairAnalytics } from './analytics.js';

const MUTE_MINUTES = [5, 15, 60, 1440, 10080];
const MOD_ROLES = ['moderator', 'admin'];

const state = {
  session: null,
  socket: null,
  feed: null,
  booths: new Map(), // booth_id -> BoothState
  pending: null, // the action waiting in the dialog
  reports: null, // ReportsQueue
  slow: null, // SlowModeControl
  catchUps: new Map(), // booth_id -> SeqCatchUp: the feed's gaps, fetched with mod:history
};

async function main() {
  state.session = bootPage({ staffPage: true });
  renderSessionBar($('#session-bar'), state.session);
  const user = state.session?.user;
  if (!user || !MOD_ROLES.includes(user.role)) {
    if (user) pageError(t('staff.wrong_role'));
    renderStaffSignIn($('#signin'), { title: t('staff.moderate_title'), onDone: () => window.location.reload() });
    return;
  }
  if (!(await accountFollowed())) return; // banned, or the page reloads with the account as it is
  $('#mod-root').hidden = false;
  pageTitle(t('mod.title'));
  // markUntranslated: a line no engine translated says so, so a moderator knows it is the original.
  state.feed = new ChatLog($('#feed-list'), { layout: 'staff', orderBy: 'id', empty: $('#feed-empty'), decorate, markUntranslated: true });
  setupDialog();
  $('#audit-refresh').addEventListener('click', loadAudit);

  const socket = openSocket(state.session.token, {
    onStatus: connectionIndicator(),
    onConnect: watch,
    onReconnect: watch,
    onRefused,
  });
  state.socket = socket;
  mountTools(socket);
  // Disabled or banned while the page is open: say so, not only a red dot.
  socket.on(S.USER_BANNED, (e) => onRefused({ code: 'banned', reason: e?.reason }));
  // No longer a moderator while the page is open: it follows the account (bootPage asks /api/me).
  socket.on(S.ACCOUNT_UPDATED, (a) => { if (!MOD_ROLES.includes(a?.role)) window.location.reload(); });
  socket.on(S.MOD_MESSAGE, (m) => {
    state.feed.add(m);
    catchUpFor(m?.booth_id)?.seen([m.seq]);
  });
  socket.on(S.MOD_RESYNC, (r) => {
    for (const [id, seq] of Object.entries(r?.last_seqs || {})) catchUpFor(Number(id))?.resync(seq);
  });
  socket.on(S.MOD_BOOTHS, (b) => renderBooths(b.booths || []));
  socket.on(S.CHAT_HIDDEN, (e) => state.feed.markHidden(e.message_id));
  loadAudit();
  mountFairAnalytics($('#fair-analytics-root'), { token: state.session.token });
}

async function watch() {
  const ack = await call(state.socket, C.MOD_WATCH, {});
  if (!ack.ok) {
    pageError(errorText(ack.error));
    return;
  }
  say($('#page-status'), '');
  renderBooths(ack.booths || []);
  for (const [id, seconds] of Object.entries(ack.slow_mode || {})) state.slow.set(id, seconds);
  state.reports.load(); // after a reconnect too: reports filed meanwhile were not pushed to us
  state.feed.merge(ack.recent || []);
  state.feed.scrollToEnd();
  // Each booth's latest seq starts its count (first watch) or names what to fetch (reconnect).
  for (const [id, seq] of Object.entries(ack.last_seqs || {})) catchUpFor(Number(id))?.joined([{ seq }]);
}

/**
 * The feed merges every booth, and each booth's seq grows by one per message: one SeqCatchUp per
 * booth notices a gap (messages from another node while Redis was away, a reconnect) and fetches
 * it with `mod:history`, merged into the feed by id so nothing shows twice.
 */
function catchUpFor(boothId) {
  if (!Number.isInteger(boothId)) return null;
  let c = state.catchUps.get(boothId);
  if (!c) {
    c = new SeqCatchUp(
      (afterSeq) => call(state.socket, C.MOD_HISTORY, { booth_id: boothId, after_seq: afterSeq }),
      (messages) => state.feed.merge(messages),
    );
    state.catchUps.set(boothId, c);
  }
  return c;
}

/** Reports queue, slow mode and the filter lists (web/static/mod_tools.js). */
function mountTools(socket) {
  const token = state.session.token;
  state.reports = new ReportsQueue({
    list: $('#reports-list'), empty: $('#reports-empty'), status: $('#reports-status'), token, boothName,
    onResolved: (r, action) => { if (action === 'hide') state.feed.markHidden(r.message?.id); loadAudit(); },
  });
  state.reports.listen(socket);
  state.slow = new SlowModeControl({ form: $('#slow-form'), socket: () => state.socket, booths: () => state.booths.values(), status: $('#slow-status') });
  socket.on(S.BOOTH_SLOW_MODE, (e) => state.slow.set(e.booth_id, e.seconds));
  mountFilters($('#filters-form'), { token, status: $('#filters-status') });
}

function boothName(id) {
  return state.booths.get(id)?.name || `#${id}`;
}

function renderBooths(list) {
  const known = state.booths.size;
  for (const b of list) state.booths.set(b.booth_id, b);
  if (state.booths.size !== known) state.slow?.renderBooths();
  const rows = [...state.booths.values()].sort((a, b) => Number(b.live) - Number(a.live) || b.viewers - a.viewers || a.name.localeCompare(b.name));
  setChildren($('#booth-rows'), rows.map((b) => {
    const langs = Array.isArray(b.languages) ? b.languages : Object.keys(b.languages || {});
    return h('tr', { 'data-booth-id': b.booth_id, class: b.live ? 'is-live' : '' },
      h('th', { scope: 'row' }, h('a', { href: `/booths/${encodeURIComponent(b.slug)}` }, b.name)),
      h('td', {}, b.live ? h('div', { class: 'live-cell' },
        h('span', { class: 'badge live-badge' }, t('booth.live')),
        h('button', {
          type: 'button',
          class: 'btn small danger-outline',
          onclick: () => openDialog({ action: 'end', booth: b }, t('mod.confirm_end', { booth: b.name }), '', { reason: false }),
        }, t('console.end'))) : '—'),
      h('td', { class: 'num' }, String(b.viewers ?? 0)),
      h('td', { class: 'wide-only' }, langs.map((l) => nativeLangName(l)).join(', ') || '—'),
      h('td', { class: 'num' }, String(Math.round((b.messages_per_minute ?? 0) * 10) / 10)));
  }));
}

/** Close a booth's live stream: its current session from /live, then POST .../end. */
async function endStream(b) {
  const status = $('#mod-status');
  try {
    const live = await api(`/api/booths/${b.booth_id}/live`, { token: state.session.token });
    if (!live.live || live.session_id == null) throw new ApiError(409, { code: 'conflict' });
    await api(`/api/sessions/${live.session_id}/end`, { method: 'POST', body: {}, token: state.session.token });
    say(status, t('mod.done_end', { booth: b.name }), 'ok');
  } catch (err) {
    say(status, errorText(err instanceof ApiError ? err.error : { code: 'internal' }), 'error');
  }
  loadAudit();
}

/** Booth name and the Hide / Mute / Ban buttons on every feed line. */
function decorate(msg, li, meta) {
  meta.prepend(h('span', { class: 'badge booth-badge' }, boothName(msg.booth_id)));
  const author = msg.author || {};
  const actions = h('div', { class: 'mod-actions' },
    h('button', { type: 'button', class: 'btn small', 'data-action': 'hide', onclick: () => ask('hide', msg) }, t('mod.hide')));
  li.dataset.author = String(author.id);
  lineMessages.set(li, msg);
  li.append(actions);
  if (msg.author_banned) markBanned(li);
  else peopleButtons(li);
  const hits = filterHits(msg);
  if (hits) li.append(hits);
}

const lineMessages = new WeakMap(); // feed line -> its message, for its buttons after a (un)ban

/** The feed lines of one author (a ban or an unban changes all of them). */
function linesBy(authorId) {
  return document.querySelectorAll(`#feed li[data-author="${Number(authorId)}"]`);
}

/** Mute and Ban for a line by someone a moderator may act on. */
function peopleButtons(li) {
  const msg = lineMessages.get(li);
  const author = msg?.author || {};
  if (!msg || MOD_ROLES.includes(author.role) || author.id === state.session.user.id) return;
  li.querySelector('.mod-actions')?.append(
    h('button', { type: 'button', class: 'btn small', 'data-action': 'mute', onclick: () => ask('mute', msg) }, t('mod.mute')),
    h('button', { type: 'button', class: 'btn small danger-outline', 'data-action': 'ban', onclick: () => ask('ban', msg) }, t('mod.ban')));
}

/**
 * A banned author's line: "Banned" and an Unban instead of Mute and Ban, which could only be
 * refused or repeated. A mistaken ban is undone here (it needed the organiser's command line).
 */
function markBanned(li) {
  for (const b of li.querySelectorAll('button[data-action="mute"], button[data-action="ban"]')) b.remove();
  const meta = li.querySelector('.msg-meta');
  if (meta && !meta.querySelector('.banned-badge')) meta.append(h('span', { class: 'badge banned-badge' }, t('mod.banned')));
  const msg = lineMessages.get(li);
  if (msg && !li.querySelector('button[data-action="unban"]')) {
    li.querySelector('.mod-actions')?.append(
      h('button', { type: 'button', class: 'btn small', 'data-action': 'unban', onclick: () => unban(msg) }, t('mod.unban')));
  }
}

async function unban(msg) {
  const name = msg.author?.display_name || t('mod.user', { id: msg.author?.id });
  const ack = await call(state.socket, C.MOD_UNBAN, { user_id: msg.author.id });
  if (!ack.ok) {
    say($('#mod-status'), errorText(ack.error), 'error');
    return;
  }
  for (const li of linesBy(msg.author.id)) {
    li.querySelector('.banned-badge')?.remove();
    li.querySelector('button[data-action="unban"]')?.remove();
    peopleButtons(li);
  }
  say($('#mod-status'), t('mod.done_unban', { name }), 'ok');
  loadAudit();
}

// --- confirmation dialog ----------------------------------------------------------------------

function setupDialog() {
  const minutes = $('#mute-minutes');
  setChildren(minutes, MUTE_MINUTES.map((m) => h('option', { value: m }, t(`dur.${m}`))));
  minutes.value = '15';
  $('#confirm-cancel').addEventListener('click', () => $('#confirm-dialog').close('cancel'));
  $('#confirm-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const pending = state.pending;
    $('#confirm-dialog').close('ok');
    if (pending) act(pending);
  });
  $('#confirm-dialog').addEventListener('close', () => { state.pending = null; });
}

function ask(action, msg) {
  const name = msg.author?.display_name || t('mod.user', { id: msg.author?.id });
  const text = {
    hide: t('mod.confirm_hide'),
    mute: t('mod.confirm_mute', { name, booth: boothName(msg.booth_id) }),
    ban: t('mod.confirm_ban', { name }),
  }[action];
  openDialog({ action, msg, name }, text, `${name}: ${msg.original ?? msg.text}`, { duration: action === 'mute', reason: true });
}

function openDialog(pending, text, quote, { duration = false, reason = true } = {}) {
  $('#confirm-text').textContent = text;
  $('#confirm-quote').textContent = quote;
  $('#confirm-quote').hidden = !quote;
  $('#confirm-duration').hidden = !duration;
  // A ban can take the spammer's lines down with it (mod:ban hide_messages): ticked by default.
  $('#confirm-hide-wrap').hidden = pending.action !== 'ban';
  $('#confirm-hide').checked = true;
  $('#confirm-reason').closest('.field').hidden = !reason;
  $('#confirm-reason').value = '';
  const ok = $('#confirm-ok');
  ok.textContent = t('mod.confirm');
  ok.className = `btn ${pending.action === 'hide' ? 'primary' : 'danger'}`;
  state.pending = pending;
  $('#confirm-dialog').showModal();
  (reason ? $('#confirm-reason') : ok).focus();
}

async function act(pending) {
  if (pending.action === 'end') return endStream(pending.booth);
  const { action, msg, name } = pending;
  const reason = $('#confirm-reason').value.trim();
  const withReason = (payload) => (reason ? { ...payload, reason } : payload);
  let ack;
  if (action === 'hide') ack = await call(state.socket, C.MOD_HIDE, withReason({ message_id: msg.id }));
  else if (action === 'mute') {
    ack = await call(state.socket, C.MOD_MUTE, withReason({
      booth_id: msg.booth_id, user_id: msg.author.id, minutes: Number($('#mute-minutes').value),
    }));
  } else {
    ack = await call(state.socket, C.MOD_BAN, withReason({ user_id: msg.author.id, hide_messages: $('#confirm-hide').checked }));
  }

  const status = $('#mod-status');
  if (!ack.ok) say(status, errorText(ack.error), 'error');
  else if (action === 'hide') {
    state.feed.markHidden(msg.id);
    say(status, t('mod.done_hide'), 'ok');
  } else if (action === 'mute') say(status, t('mod.done_mute', { name, until: formatDateTime(ack.until) }), 'ok');
  else {
    say(status, t('mod.done_ban', { name }), 'ok');
    for (const li of linesBy(msg.author.id)) markBanned(li);
  }
  loadAudit();
}

// --- audit log --------------------------------------------------------------------------------

async function loadAudit() {
  let entries;
  try {
    entries = (await api('/api/moderation/audit', { token: state.session.token })).entries || [];
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) onRefused({ code: 'unauthorized' });
    say($('#mod-status'), errorText(err instanceof ApiError ? err.error : { code: 'internal' }), 'error');
    return;
  }
  entries.sort((a, b) => b.id - a.id);
  $('#audit-empty').hidden = entries.length > 0;
  $('#audit-rows').closest('.table-wrap').hidden = entries.length === 0;
  setChildren($('#audit-rows'), entries.map((e) => {
    const target = [
      e.booth_id != null ? boothName(e.booth_id) : null,
      e.target_user_id != null
        ? `${e.target_user?.display_name || t('mod.user', { id: e.target_user_id })} (#${e.target_user_id})` : null,
      e.message_id != null ? t('mod.message', { id: e.message_id }) : null,
    ].filter(Boolean).join(' · ');
    // No acting account: the organiser did it with `boothcast users disable|enable`.
    const byOrganiser = e.actor == null || (typeof e.actor === 'object' && e.actor.id == null);
    const actor = byOrganiser ? t('mod.organiser')
      : typeof e.actor === 'object' ? (e.actor.display_name ?? t('mod.user', { id: e.actor.id })) : String(e.actor);
    const detail = typeof e.detail === 'string' ? e.detail : e.detail == null ? '' : JSON.stringify(e.detail);
    return h('tr', { 'data-audit-id': e.id, 'data-action': e.action },
      h('td', {}, h('time', { datetime: e.created_at, title: formatDateTime(e.created_at) }, formatTime(e.created_at))),
      h('td', {}, actor),
      // The action in the moderator's language (the raw code, e.g. "slow_mode", was shown before).
      h('td', {}, hasKey(`audit.${e.action}`) ? t(`audit.${e.action}`) : e.action),
      // Targets are named with their id: two accounts may share a display name.
      h('td', { dir: 'auto' }, target || '—'),
      h('td', { class: 'detail' }, detail));
  }));
}

main();
