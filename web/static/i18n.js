// The interface's words and the helpers that apply them.
// One dictionary module per language, ./i18n/<lang>.js; a page fetches only English (the
// fallback for a key a language lacks) and its own language, before any page module runs.
// The UI language is the user's chosen language (the one they chat in); a language without a
// dictionary here gets the English interface while chat stays in that language.
// Plain strings only: they are always written with textContent, never parsed as HTML.

import en from './i18n/en.js';

/** The interface languages, in picker order. */
export const UI_LANGS = Object.freeze([
  'en', 'zh', 'zh-Hant', 'es', 'pt', 'fr', 'de', 'ru', 'ar', 'ja', 'ko', 'vi', 'tr', 'id',
]);
const RTL_LANGS = new Set(['ar']);
const LANG_KEY = 'boothcast.lang';
const SESSION_KEY = 'boothcast.session';

const STRINGS = { en };
/** Keys a page asked for that no dictionary has: the browser test asserts this stays empty. */
export const missingKeys = new Set();

/** The dictionary for `lang` (fetched once), or null when there is none. */
export async function loadStrings(lang) {
  if (!UI_LANGS.includes(lang)) return null;
  if (!STRINGS[lang]) {
    try {
      STRINGS[lang] = (await import(`./i18n/${lang}.js`)).default;
    } catch {
      return null; // a failed fetch: the interface stays English rather than breaking the page
    }
  }
  return STRINGS[lang];
}

/**
 * The interface language for a browser language tag ("pt-BR" → "pt", "zh-TW" → "zh-Hant"),
 * or null. Chinese is Traditional for Taiwan, Hong Kong and Macau unless the tag names a script.
 */
export function matchLang(tag) {
  const parts = String(tag || '').toLowerCase().split(/[-_]/);
  if (parts[0] === 'zh') {
    if (parts.includes('hant')) return 'zh-Hant';
    if (parts.includes('hans')) return 'zh';
    return parts.some((p) => p === 'tw' || p === 'hk' || p === 'mo') ? 'zh-Hant' : 'zh';
  }
  if (parts[0] === 'in') return 'id'; // the old code some systems still send for Indonesian
  return UI_LANGS.includes(parts[0]) ? parts[0] : null;
}

/**
 * The language the user chose (lobby picker or sign-in), else the first of the browser's
 * preferred languages (the list it sends as Accept-Language) that has an interface, else English.
 */
export function chosenLang() {
  const saved = safeGet(LANG_KEY);
  if (saved) return saved;
  // `globalThis.navigator`: the module is also imported outside a browser (tests/web, in Node).
  const nav = globalThis.navigator;
  const prefs = nav?.languages?.length ? nav.languages : [nav?.language];
  for (const tag of prefs) {
    const lang = matchLang(tag);
    if (lang) return lang;
  }
  return 'en';
}

function sessionLang() {
  try { return JSON.parse(safeGet(SESSION_KEY) || 'null')?.user?.lang || null; } catch { return null; }
}

// The same choice bootPage() makes (the signed-in user's language first), settled here so that
// every t() is synchronous. Modules importing this one wait for it (top-level await).
await loadStrings(matchLang(sessionLang()) || chosenLang());

let current = 'en';

export function rememberLang(lang) {
  try { localStorage.setItem(LANG_KEY, lang); } catch { /* private mode: not remembered */ }
  setUiLang(lang);
}

/** Switch the interface language (English when there is no dictionary for `lang`). */
export function setUiLang(lang) {
  const ui = UI_LANGS.includes(lang) ? lang : matchLang(lang);
  current = ui && STRINGS[ui] ? ui : 'en';
  if (ui && !STRINGS[ui]) {
    // Not the language fetched at start (a session changed meanwhile): fetch it for next time.
    loadStrings(ui);
  }
  document.documentElement.lang = current;
  document.documentElement.dir = RTL_LANGS.has(current) ? 'rtl' : 'ltr';
}

export function uiLang() { return current; }

/** "→" read forwards: "←" in a right-to-left interface. */
export function forwardArrow() { return RTL_LANGS.has(current) ? '←' : '→'; }

/** The string for `key` with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const s = STRINGS[current]?.[key] ?? STRINGS.en[key];
  if (s === undefined) {
    missingKeys.add(key);
    console.warn('i18n: missing key', key);
    return key;
  }
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** Whether `key` has a string (in the UI language or in English). */
export function hasKey(key) {
  return STRINGS[current]?.[key] !== undefined || STRINGS.en[key] !== undefined;
}

const pluralRules = new Map();

/** The CLDR plural category of `n` in the UI language ("one", "few", "many", "other"...). */
export function pluralCategory(n) {
  if (!pluralRules.has(current)) pluralRules.set(current, new Intl.PluralRules(current));
  return pluralRules.get(current).select(n);
}

/**
 * Like t(), with `{n}` = n formatted for the UI language, choosing `<key>_<category>` by
 * Intl.PluralRules ("_one", and "_few"/"_many" for Russian, "_zero"/"_two"... for Arabic);
 * the plain key is the "other" form and the fallback for a category a language doesn't need.
 */
export function tn(key, n, vars = {}) {
  const variant = `${key}_${pluralCategory(n)}`;
  // Only the UI language's own variants: English's "_one" is wrong for a language without one.
  const useVariant = STRINGS[current]?.[variant] !== undefined;
  return t(useVariant ? variant : key, { ...vars, n: formatNumber(n) });
}

/** A number in the UI language's digits and grouping ("1.000" in German). */
export function formatNumber(n, options = {}) {
  const x = Number(n);
  if (!Number.isFinite(x)) return String(n ?? '');
  return new Intl.NumberFormat(current, { maximumFractionDigits: 4, ...options }).format(x);
}

/** A price (decimal string or number) in `currency`, e.g. "6,80 US$" in Spanish. */
export function formatPrice(price, currency) {
  const x = Number(price);
  if (!Number.isFinite(x)) return String(price ?? '');
  try {
    return new Intl.NumberFormat(current, { style: 'currency', currency, maximumFractionDigits: 4 }).format(x);
  } catch {
    return `${formatNumber(x)} ${currency || ''}`.trim(); // an unknown currency code
  }
}

/** Fill `data-i18n` (text), `data-i18n-label` (aria-label), `data-i18n-ph` (placeholder). */
export function applyI18n(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-ph]')) el.setAttribute('placeholder', t(el.dataset.i18nPh));
}

/** A language's own name ("español"), for pickers; the code when the browser doesn't know it. */
export function nativeLangName(code) {
  try {
    const name = new Intl.DisplayNames([code], { type: 'language' }).of(code);
    return name ? name.charAt(0).toLocaleUpperCase(code) + name.slice(1) : code;
  } catch {
    return code;
  }
}

/** A language's name in the UI language ("Chinese"). */
export function langName(code) {
  try { return new Intl.DisplayNames([current], { type: 'language' }).of(code) || code; } catch { return code; }
}

export function countryName(code) {
  try { return new Intl.DisplayNames([current], { type: 'region' }).of(code) || code; } catch { return code; }
}

export function categoryName(category) {
  const key = `cat.${category}`;
  return (STRINGS[current]?.[key] ?? STRINGS.en[key]) || category;
}

export function formatDateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString(current, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleTimeString(current, { hour: '2-digit', minute: '2-digit' });
}

/** The user-facing sentence for an error `{code, message, retry_after?, until?}`. */
export function errorText(error) {
  const code = error?.code || 'internal';
  switch (code) {
    case 'rate_limited':
      return t('err.rate_limited', { s: Math.max(1, Math.ceil(Number(error.retry_after) || 1)) });
    case 'muted':
      return error.until ? t('err.muted', { until: formatDateTime(error.until) }) : t('err.muted_plain');
    case 'slow_mode':
      return t('err.slow_mode', { s: Math.max(1, Math.ceil(Number(error.retry_after) || 1)) });
    case 'blocked':
      return t(error.reason === 'link' ? 'err.blocked_link' : 'err.blocked_word');
    case 'too_long':
      return t('err.too_long', { max: formatNumber(Number(error.max_length) > 0 ? Number(error.max_length) : 2000) });
    case 'banned':
      // The reason as the moderator or organiser wrote it, in their words: shown, not translated.
      return error.reason ? `${t('err.banned')} ${t('err.ban_reason', { reason: error.reason })}` : t('err.banned');
    case 'forbidden': case 'not_found': case 'bad_request':
    case 'conflict': case 'timeout': case 'unauthorized': case 'invalid_credentials': case 'network':
    case 'too_many_connections': case 'unavailable':
      return t(`err.${code}`);
    default:
      return t('err.generic', { code });
  }
}

function safeGet(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}

