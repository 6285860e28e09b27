// Fair lobby: booth cards with search and filters, the language picker, guest sign-in, the
// server's translation pairs, and live booth state once signed in (lobby:watch).

import { C, S } from './events.js';
import { $, h, setChildren, say, select } from './dom.js';
import { t, tn, chosenLang, rememberLang, nativeLangName, langName, countryName, categoryName, formatDateTime, forwardArrow } from './i18n.js';
import { api, getSession, saveSession } from './session.js';
import { openSocket, call } from './socket.js';
import { bootPage, connectionIndicator, onRefused, pageTitle } from './page.js';
import { renderGuestSignIn, renderSessionBar, translationInfo, pickerLanguages } from './signin.js';
import { imageEl, remindNow } from './booth_stage.js';

const booths = new Map(); // id -> booth (GET /api/booths, updated by booth:state / stream:state)
const cards = new Map(); // id -> <li>

async function main() {
  const session = bootPage();
  pageTitle(t('nav.lobby'));
  renderSessionBar($('#session-bar'), session);
  renderLangPicker();
  renderTranslationInfo();
  $('#filters').addEventListener('submit', (e) => e.preventDefault());
  for (const id of ['#search', '#category-filter', '#lang-filter']) $(id).addEventListener('input', applyFilters);

  try {
    const list = await api('/api/booths');
    for (const b of list) booths.set(b.id, b);
  } catch {
    say($('#lobby-status'), t('lobby.load_error'), 'error');
    return;
  }
  renderFilters();
  renderCards();
  // A live card's thumbnail is replaced every few seconds on the server (media/thumbnail.py).
  setInterval(refreshThumbnails, 10_000);

  if (session) watchLobby(session);
  else renderGuestSignIn($('#signin'), { onDone: () => window.location.reload() });
}

async function renderLangPicker() {
  const picker = $('#lang-picker');
  const langs = await pickerLanguages();
  setChildren(picker, langs.map((l) => h('option', { value: l }, nativeLangName(l))));
  picker.value = getSession()?.user?.lang || chosenLang();
  picker.addEventListener('change', async () => {
    const lang = picker.value;
    rememberLang(lang);
    const session = getSession();
    if (session) {
      // The same account in the new language: its messages, leads and any mute stay its own (a new
      // guest sign-in per language made a new person, free of a mute).
      try {
        const data = await api('/api/me', { method: 'PATCH', body: { lang }, token: session.token });
        saveSession({ ...session, user: data.user });
      } catch { /* keep the account's language; the interface still switches */ }
    }
    window.location.reload();
  });
}

async function renderTranslationInfo() {
  const info = await translationInfo();
  const el = $('#translation-info');
  const pairs = info.pairs || [];
  if (!pairs.length) {
    setChildren(el, h('p', { class: 'muted' }, t('lobby.pairs_none')));
    return;
  }
  setChildren(el,
    h('span', { class: 'label' }, t('lobby.translation')),
    h('ul', { class: 'pairs' }, pairs.map((p) => h('li', { class: 'pair', 'data-source': p.source, 'data-target': p.target },
      `${langName(p.source)} ${forwardArrow()} ${langName(p.target)}`,
      p.via ? h('span', { class: 'via' }, ` (${t('lobby.via', { lang: langName(p.via) })})`) : null))));
}

function renderFilters() {
  const all = [...booths.values()];
  const categories = [...new Set(all.map((b) => b.category).filter(Boolean))].sort();
  const langs = [...new Set(all.map((b) => b.lang).filter(Boolean))].sort();
  $('#category-filter').replaceWith(select([['', t('lobby.all_categories')], ...categories.map((c) => [c, categoryName(c)])], { id: 'category-filter' }));
  $('#lang-filter').replaceWith(select([['', t('lobby.all_langs')], ...langs.map((l) => [l, langName(l)])], { id: 'lang-filter' }));
  $('#category-filter').addEventListener('input', applyFilters);
  $('#lang-filter').addEventListener('input', applyFilters);
}

function renderCards() {
  const list = $('#booth-list');
  // Live booths first, then the soonest scheduled stream, then the rest by name.
  const next = (b) => (b.next_stream_at ? Date.parse(b.next_stream_at) : Infinity);
  const sorted = [...booths.values()].sort((a, b) => Number(b.live) - Number(a.live) || next(a) - next(b) || a.name.localeCompare(b.name));
  cards.clear();
  setChildren(list, sorted.map((b) => {
    const li = renderCard(b);
    cards.set(b.id, li);
    return li;
  }));
  applyFilters();
}

function renderCard(b) {
  const where = [b.city, b.country ? countryName(b.country) : null].filter(Boolean).join(', ');
  return h('li', { class: `booth-card${b.live ? ' is-live' : ''}`, 'data-booth-id': b.id, 'data-slug': b.slug },
    cardMedia(b),
    h('div', { class: 'card-top' },
      b.live
        ? h('span', { class: 'badge live-badge' }, t('lobby.live'))
        : h('span', { class: 'badge muted-badge' }, b.next_stream_at ? t('lobby.next', { when: formatDateTime(b.next_stream_at) }) : t('lobby.no_schedule')),
      b.live ? h('span', { class: 'viewers' }, tn('lobby.viewers', b.viewers ?? 0)) : null,
      !b.live && b.viewers > 0 ? h('span', { class: 'present' }, t('lobby.present', { n: b.viewers })) : null,
      b.category ? h('span', { class: 'badge category-chip' }, categoryName(b.category)) : null),
    // dir=auto: a Latin name on an Arabic page keeps its own order ("Cerámica Levante S.L.", not
    // ".Cerámica Levante S.L", as a user try saw).
    h('h3', { class: 'booth-name', dir: 'auto' }, h('a', { href: `/booths/${encodeURIComponent(b.slug)}`, class: 'stretched' }, b.name)),
    h('p', { class: 'supplier', dir: 'auto' }, b.supplier_name),
    h('ul', { class: 'facts' },
      where ? h('li', { class: 'where' }, where) : null,
      b.lang ? h('li', {}, t('lobby.speaks', { lang: langName(b.lang) })) : null,
      typeof b.product_count === 'number' ? h('li', {}, tn('lobby.products', b.product_count)) : null),
    h('span', { class: 'card-cta', 'aria-hidden': 'true' }, `${t('lobby.visit')} ${forwardArrow()}`));
}

/** Live: the stream's thumbnail; otherwise the cover; the logo on top of either. */
function cardMedia(b) {
  const live = b.live && b.live_thumbnail
    ? h('img', { class: 'card-thumb', src: b.live_thumbnail, alt: '', 'data-live-thumb': b.live_thumbnail, onerror: (e) => { e.target.hidden = true; } })
    : null;
  const cover = live ? null : imageEl(b.cover, { cls: 'card-thumb', sizes: '(max-width: 599px) 100vw, 360px' });
  const logo = imageEl(b.logo, { cls: 'card-logo', sizes: '48px' });
  if (!live && !cover && !logo) return null;
  return h('div', { class: `card-media${live || cover ? '' : ' logo-only'}` }, live || cover, logo);
}

function refreshThumbnails() {
  for (const img of document.querySelectorAll('img[data-live-thumb]')) {
    img.hidden = false;
    img.src = `${img.dataset.liveThumb}?t=${Math.floor(Date.now() / 10_000)}`;
  }
}

function applyFilters() {
  const q = $('#search').value.trim().toLocaleLowerCase();
  const cat = $('#category-filter').value;
  const lang = $('#lang-filter').value;
  let shown = 0;
  let live = 0;
  for (const [id, li] of cards) {
    const b = booths.get(id);
    const haystack = [b.name, b.supplier_name, b.city, b.country, b.country ? countryName(b.country) : '', b.category,
      categoryName(b.category || ''), b.slug, ...(b.product_names || [])]
      .filter(Boolean).join(' ').toLocaleLowerCase();
    const visible = (!q || haystack.includes(q)) && (!cat || b.category === cat) && (!lang || b.lang === lang);
    li.hidden = !visible;
    if (visible) shown += 1;
    if (b.live) live += 1;
  }
  $('#booth-count').textContent = [tn('lobby.count', shown), live ? t('lobby.live_count', { n: live }) : null].filter(Boolean).join(' · ');
  say($('#lobby-status'), shown ? '' : t('lobby.none'));
}

function updateBooth(id, patch) {
  const b = booths.get(id);
  if (!b) return;
  Object.assign(b, patch);
  const old = cards.get(id);
  const li = renderCard(b);
  li.hidden = old.hidden;
  old.replaceWith(li);
  cards.set(id, li);
  applyFilters();
}

function watchLobby(session) {
  const onStatus = connectionIndicator();
  const socket = openSocket(session.token, {
    onStatus,
    onRefused: (error) => {
      // An expired guest token: sign in again. Anything else: the lobby works without live updates.
      if (error?.code === 'unauthorized') onRefused(error);
    },
    onConnect: watch,
    onReconnect: watch,
  });
  async function watch() {
    const ack = await call(socket, C.LOBBY_WATCH, {});
    if (ack.ok) for (const s of ack.booths || []) applyState(s);
  }
  socket.on(S.BOOTH_STATE, applyState);
  socket.on(S.STREAM_STATE, (s) => {
    const live = Boolean(s.live);
    if (live && booths.get(s.booth_id)) remindNow(booths.get(s.booth_id));
    updateBooth(s.booth_id, { live, live_thumbnail: live && s.session_id ? `/media/${s.session_id}/thumb.jpg` : null });
  });
}

function applyState(s) {
  const patch = { live: Boolean(s.live) };
  if (typeof s.viewers === 'number') patch.viewers = s.viewers;
  updateBooth(s.booth_id, patch);
}

main();
