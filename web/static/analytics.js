// Booth analytics: the supplier console's panel (one booth, per stream or per day) and the
// organiser's table on the moderation page (every booth). Figures come from the server
// (docs/protocol.md, "Booth analytics"); the viewers chart is uPlot, vendored under /vendor/ with
// its stylesheet, so it runs under the pages' CSP (it styles through the CSSOM, never inline markup).
// Booth names, countries and languages come from users: rendered as text only (dom.js `h`).

import uPlot from '/vendor/uPlot.esm.js';
import { h, say, select, setChildren } from './dom.js';
import { countryName, errorText, formatDateTime, formatNumber, langName, t, uiLang } from './i18n.js';
import { api, download, ApiError } from './session.js';
import { onRefused } from './page.js';

const DAY_MS = 24 * 3600 * 1000;

function windowQuery(days) {
  const to = new Date();
  const from = new Date(to.getTime() - days * DAY_MS);
  return `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  if (s < 60) return t('analytics.dur_s', { s });
  return t('analytics.dur_m', { m: Math.floor(s / 60), s: s % 60 });
}

function num(n) {
  return n === null || n === undefined ? '—' : formatNumber(n);
}

function periodLabel(p) {
  if (p.period === 'total') return t('analytics.total');
  if (p.session_id !== null && p.session_id !== undefined) return t('analytics.stream', { time: formatDateTime(p.start) });
  return new Date(`${p.period}T00:00:00Z`).toLocaleDateString(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
}

/** The headline figures of one period as a <dl>. */
function statList(f) {
  const stat = (key, value, name) => h('div', { class: 'stat', 'data-stat': name }, h('dt', {}, t(key)), h('dd', {}, value));
  return h('dl', { class: 'stats analytics-stats' },
    stat('analytics.peak', num(f.peak_viewers), 'peak_viewers'),
    stat('analytics.unique', num(f.unique_buyers), 'unique_buyers'),
    stat('analytics.messages', num(f.messages), 'messages'),
    stat('analytics.inquiries', num(f.inquiries), 'inquiries'),
    stat('analytics.per_100', num(f.inquiries_per_100_viewers), 'inquiries_per_100_viewers'),
    stat('analytics.first_response', duration(f.median_first_response_s), 'median_first_response_s'),
    stat('analytics.awaiting', num(f.awaiting), 'awaiting'));
}

function chips(counts, name) {
  const entries = Object.entries(counts || {});
  if (!entries.length) return h('span', { class: 'muted' }, '—');
  return h('ul', { class: 'lang-chips analytics-chips' },
    entries.map(([code, n]) => h('li', { class: 'chip' }, `${code ? name(code) : t('analytics.unknown')} · ${formatNumber(n)}`)));
}

/**
 * The time axis's labels in the page's language: uPlot's own are US English ("11/30/26 8:29am"
 * in a Spanish console). Days for a span of several days, else the time of day.
 */
export function timeLabels(firstSec, lastSec, lang = uiLang()) {
  const span = lastSec - firstSec;
  const options = span > 2 * 86400 ? { month: 'short', day: 'numeric' }
    : span > 86400 ? { weekday: 'short', hour: 'numeric', minute: '2-digit' } : { hour: 'numeric', minute: '2-digit' };
  const format = new Intl.DateTimeFormat(lang, options);
  return (u, ticks) => ticks.map((v) => format.format(new Date(v * 1000)));
}

/** A viewers-over-time chart in `box`; returns a function that redraws it at the box's width. */
function drawViewers(box, series) {
  setChildren(box);
  if (!series.length) {
    box.append(h('p', { class: 'muted' }, t('analytics.no_samples')));
    return () => {};
  }
  const xs = series.map((s) => Date.parse(s.at) / 1000);
  const ys = series.map((s) => s.viewers);
  const stroke = getComputedStyle(box).getPropertyValue('--accent').trim() || '#1f6feb';
  const width = () => Math.max(240, box.clientWidth || 480);
  const plot = new uPlot({
    width: width(),
    height: 200,
    legend: { show: false },
    scales: { y: { range: (u, min, max) => [0, Math.max(1, max)] } },
    axes: [
      { values: timeLabels(xs[0], xs[xs.length - 1]) },
      { values: (u, ticks) => ticks.map((v) => (Number.isInteger(v) ? formatNumber(v) : '')) },
    ],
    series: [{}, { label: t('analytics.viewers_chart'), stroke, width: 2, fill: `${stroke}22` }],
  }, [xs, ys], box);
  plot.root.setAttribute('role', 'img');
  plot.root.setAttribute('aria-label', `${t('analytics.viewers_chart')}: ${t('analytics.peak')} ${formatNumber(Math.max(...ys))}`);
  return () => plot.setSize({ width: width(), height: 200 });
}

function controls({ stream, onChange, onExport }) {
  const range = select([['7', t('analytics.last_7')], ['30', t('analytics.last_30')], ['90', t('analytics.last_90')]],
    { name: 'range', 'aria-label': t('analytics.range') });
  const gran = stream ? select([['stream', t('analytics.by_stream')], ['day', t('analytics.by_day')]],
    { name: 'granularity', 'aria-label': t('analytics.granularity') }) : null;
  range.addEventListener('change', onChange);
  gran?.addEventListener('change', onChange);
  const refresh = h('button', { type: 'button', class: 'btn small', onclick: onChange }, t('analytics.refresh'));
  const csv = h('button', { type: 'button', class: 'btn small', onclick: onExport }, t('analytics.export'));
  return { el: h('div', { class: 'analytics-controls btn-row' }, range, gran, refresh, csv), range, gran };
}

function failed(status, err) {
  const error = err instanceof ApiError ? err.error : { code: 'internal' };
  if (err instanceof ApiError && err.status === 401) onRefused({ code: 'unauthorized' });
  say(status, errorText(error), 'error');
}

/** The console's panel: one booth's figures per stream or per day, with the viewers chart. */
export function mountAnalytics(root, { booth, token }) {
  const status = h('p', { class: 'form-status', role: 'status', hidden: true });
  const summary = h('div', { class: 'analytics-summary' });
  const chart = h('div', { class: 'analytics-chart' });
  const spread = h('div', { class: 'analytics-spread' });
  const periods = h('ol', { class: 'analytics-periods' });
  let report = null;
  let redraw = () => {};
  const ctl = controls({ stream: true, onChange: load, onExport });
  setChildren(root, ctl.el, status, summary, chart, spread, h('h3', {}, t('analytics.periods')), periods);
  window.addEventListener('resize', () => redraw());

  function query() {
    return `${windowQuery(Number(ctl.range.value))}&granularity=${ctl.gran.value}`;
  }

  async function load() {
    try {
      report = await api(`/api/booths/${booth.id}/analytics?${query()}`, { token });
      say(status, '');
      render(report.total);
    } catch (err) {
      failed(status, err);
    }
  }

  async function onExport() {
    try {
      await download(`/api/booths/${booth.id}/analytics?${query()}&format=csv`, token, `analytics-${booth.slug}.csv`);
    } catch (err) {
      failed(status, err);
    }
  }

  function render(selected) {
    setChildren(summary, h('h3', { class: 'analytics-period' }, periodLabel(selected)), statList(selected));
    redraw = drawViewers(chart, selected.viewers);
    setChildren(spread,
      h('div', {}, h('h4', {}, t('analytics.countries')), chips(selected.countries, countryName)),
      h('div', {}, h('h4', {}, t('analytics.languages')), chips(selected.languages, langName)));
    const all = [report.total, ...[...report.periods].reverse()];
    setChildren(periods, report.periods.length ? all.map((p) => h('li', {},
      h('button', { type: 'button', class: 'link-btn', 'aria-pressed': String(p === selected), onclick: () => render(p) },
        periodLabel(p)),
      h('span', { class: 'muted' }, ` ${t('analytics.peak')}: ${num(p.peak_viewers)} · ${t('analytics.inquiries')}: ${num(p.inquiries)}`)))
      : [h('li', { class: 'muted' }, t('analytics.none'))]);
  }

  load();
  return { reload: load };
}

/** The organiser's view on the moderation page: every booth over the window, and the fair. */
export function mountFairAnalytics(root, { token }) {
  const status = h('p', { class: 'form-status', role: 'status', hidden: true });
  const summary = h('div', { class: 'analytics-summary' });
  const chart = h('div', { class: 'analytics-chart' });
  const body = h('tbody');
  const heads = ['analytics.booth', 'analytics.peak', 'analytics.unique', 'analytics.messages', 'analytics.inquiries',
    'analytics.per_100', 'analytics.first_response', 'analytics.awaiting'];
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'data-table analytics-table' },
    h('thead', {}, h('tr', {}, heads.map((k) => h('th', { scope: 'col' }, t(k))))), body));
  let redraw = () => {};
  const ctl = controls({ stream: false, onChange: load, onExport });
  setChildren(root, ctl.el, status, summary, chart, table);
  window.addEventListener('resize', () => redraw());

  async function load() {
    try {
      const report = await api(`/api/analytics?${windowQuery(Number(ctl.range.value))}`, { token });
      say(status, '');
      setChildren(summary, statList(report.total));
      redraw = drawViewers(chart, report.total.viewers);
      setChildren(body, report.booths.map(({ booth, figures: f }) => h('tr', {},
        h('th', { scope: 'row' }, booth.name), h('td', {}, num(f.peak_viewers)), h('td', {}, num(f.unique_buyers)),
        h('td', {}, num(f.messages)), h('td', {}, num(f.inquiries)), h('td', {}, num(f.inquiries_per_100_viewers)),
        h('td', {}, duration(f.median_first_response_s)), h('td', {}, num(f.awaiting)))));
    } catch (err) {
      failed(status, err);
    }
  }

  async function onExport() {
    try {
      await download(`/api/analytics?${windowQuery(Number(ctl.range.value))}&format=csv`, token, 'fair-analytics.csv');
    } catch (err) {
      failed(status, err);
    }
  }

  load();
  return { reload: load };
}
