// What a buyer sees around the stream: product and booth images, the "stream ended — watch the
// replay" card, the next stream in the viewer's own time zone (with an .ics download and a
// "remind me" browser notification), and the "Inquire" button over the video on a phone.

import { h, setChildren } from './dom.js';
import { t, uiLang } from './i18n.js';

/** An uploaded image (`{"320": url, "960": url}`) as a responsive <img>, or null without one. */
export function imageEl(image, { alt = '', sizes = '(max-width: 599px) 100vw, 320px', cls = '' } = {}) {
  if (!image?.['320']) return null;
  return h('img', {
    class: cls, src: image['320'], alt, loading: 'lazy', decoding: 'async', sizes,
    srcset: image['960'] ? `${image['320']} 320w, ${image['960']} 960w` : null,
  });
}

// dateStyle/timeStyle cannot be combined with timeZoneName: the fields are spelled out instead.
export const LOCAL_WHEN = { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' };

/** A time in the viewer's own time zone, with the zone's name so nobody has to convert. */
export function localWhen(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(uiLang(), LOCAL_WHEN).format(d);
}

function formatDuration(ms) {
  const total = Math.round(ms / 1000);
  const m = Math.floor(total / 60);
  return `${m}:${String(total % 60).padStart(2, '0')}`;
}

// --- reminders: one per booth and start time, kept in this browser only --------------------------

const REMIND_KEY = 'boothcast.remind';
const timers = new Map();

function reminders() {
  try {
    return JSON.parse(localStorage.getItem(REMIND_KEY) || '{}');
  } catch {
    return {};
  }
}

function saveReminders(all) {
  try { localStorage.setItem(REMIND_KEY, JSON.stringify(all)); } catch { /* private mode: this page only */ }
}

function notify(booth) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const n = new Notification(t('stage.remind_title', { booth: booth.name }), { body: booth.supplier_name, tag: `booth-${booth.id}` });
  n.onclick = () => { window.focus(); window.location.href = `/booths/${encodeURIComponent(booth.slug)}`; };
}

/** Fire the reminder at the scheduled time while this page is open (stream:state live fires it sooner). */
function arm(booth) {
  clearTimeout(timers.get(booth.id));
  const at = Date.parse(reminders()[booth.id] || '');
  if (Number.isNaN(at)) return;
  const wait = at - Date.now();
  if (wait > 2_147_000_000) return;
  timers.set(booth.id, setTimeout(() => remindNow(booth), Math.max(0, wait)));
}

/** The booth went live (or its time came): notify once, if this viewer asked to be reminded. */
export function remindNow(booth) {
  const all = reminders();
  if (!all[booth.id]) return;
  delete all[booth.id];
  saveReminders(all);
  clearTimeout(timers.get(booth.id));
  notify(booth);
}

async function askReminder(booth, status) {
  if (!('Notification' in window)) {
    status.textContent = t('stage.remind_unsupported');
    return;
  }
  // Asked on the click itself: browsers refuse a permission prompt that no gesture started.
  const permission = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
  if (permission !== 'granted') {
    status.textContent = t('stage.remind_denied');
    return;
  }
  saveReminders({ ...reminders(), [booth.id]: booth.next_stream_at });
  arm(booth);
  status.textContent = t('stage.remind_set');
}

/** "Next stream: <local time>", an .ics download and "remind me"; null without a schedule. */
export function upcomingEl(booth) {
  if (!booth.next_stream_at || Date.parse(booth.next_stream_at) < Date.now() - 3_600_000) return null;
  arm(booth);
  const status = h('span', { class: 'remind-status', role: 'status' }, reminders()[booth.id] ? t('stage.remind_set') : '');
  return h('div', { class: 'upcoming' },
    h('p', { class: 'upcoming-when' }, t('stage.next', { when: localWhen(booth.next_stream_at) })),
    h('div', { class: 'upcoming-actions' },
      h('a', { class: 'btn small', href: `/api/booths/${booth.id}/next-stream.ics?lang=${encodeURIComponent(uiLang())}`, download: `${booth.slug}-stream.ics` }, t('stage.add_calendar')),
      h('button', { type: 'button', class: 'btn small', onclick: () => askReminder(booth, status) }, t('stage.remind'))),
    status);
}

/**
 * The player's overlay while nothing is live: after a stream, "Stream ended — watch the replay"
 * with the replay as a card (its poster, date and length); otherwise the next stream.
 */
export function renderOffline(overlay, { booth, replay, justEnded }) {
  // The booth's cover, dimmed behind the text: the stage is not an empty black box between streams.
  const parts = [imageEl(booth.cover, { cls: 'overlay-cover', sizes: '(max-width: 959px) 100vw, 960px' })];
  if (replay && (justEnded || !booth.next_stream_at || Date.parse(booth.next_stream_at) < Date.now())) {
    parts.push(h('p', { class: 'ended-title' }, t('stage.ended')),
      h('a', { class: 'replay-card', href: replay.replay_url },
        h('img', { src: `/media/${replay.id}/thumb.jpg`, alt: '', onerror: (e) => e.target.remove() }),
        h('span', { class: 'replay-card-text' },
          h('strong', {}, t('stage.watch_replay')),
          h('span', {}, [localWhen(replay.started_at), replay.duration_ms ? formatDuration(replay.duration_ms) : null].filter(Boolean).join(' · ')))));
  } else {
    parts.push(h('p', {}, booth.next_stream_at ? t('stage.offline') : t('booth.offline_none')));
  }
  parts.push(upcomingEl(booth));
  setChildren(overlay, parts);
}

/** Past sessions, newest first, each a link to its replay page (the date in the viewer's time zone). */
export function renderReplayList(list, ended) {
  setChildren(list, ended.map((s) => h('li', {},
    h('a', { href: s.replay_url },
      h('span', {}, localWhen(s.started_at)),
      s.duration_ms ? h('span', { class: 'muted' }, formatDuration(s.duration_ms)) : null))));
}

/** The phone's "Inquire" button over the video, for the pinned product (hidden without one). */
export function renderVideoInquire(button, product, name, onInquire) {
  button.hidden = !product;
  if (!product) return;
  // The product's name isolated (<bdi>): a Latin name in an Arabic sentence, or the reverse, was
  // reordered and clipped at both ends (a user try read "rcelain floor tile 60x60 cm :تفسار").
  const [before, after = ''] = t('stage.inquire_pinned', { name: '\u0000' }).split('\u0000');
  button.replaceChildren(before, h('bdi', {}, name), after);
  button.onclick = () => onInquire(product.id);
}
