// Sign-in forms (guest buyer, staff) and the "Signed in as …" bar.

import { h, field, select, say } from './dom.js';
import { t, chosenLang, nativeLangName, errorText, UI_LANGS } from './i18n.js';
import { api, saveSession, clearSession, takeExpired, ApiError } from './session.js';
import { countryOptions } from './trade.js';

let languagesPromise = null;

/** What the server can translate: `{languages, pairs}` from GET /api/translation (cached). */
export function translationInfo() {
  languagesPromise ??= api('/api/translation').catch(() => ({ languages: [...UI_LANGS], pairs: [] }));
  return languagesPromise;
}

/**
 * What a reader of `lang` should know when no model translates it on this server: the interface
 * is in their language, chat is not (their messages reach the supplier as written). Empty when
 * `lang` is translated, or when the server translates nothing at all.
 */
export async function untranslatedNote(lang, key) {
  const langs = (await translationInfo()).languages || [];
  if (!langs.length || langs.includes(lang)) return '';
  return t(key, { lang: nativeLangName(lang), langs: langs.map(nativeLangName).join(', ') });
}

/** Languages offered in pickers: the server's, plus the UI languages, plus the current one. */
export async function pickerLanguages() {
  const info = await translationInfo();
  const set = new Set([...(info.languages || []), ...UI_LANGS, chosenLang()]);
  return [...set].sort();
}

/** POST the sign-in form's body; save the session and hand it on, or show why it was refused. */
async function signIn(path, body, { submit, status, onDone }) {
  submit.disabled = true;
  say(status, '');
  try {
    const session = await api(path, { method: 'POST', body });
    saveSession(session);
    onDone(session);
  } catch (err) {
    const error = err instanceof ApiError ? err.error : { code: 'internal' };
    const text = error.reason === 'staff_name' ? t('signin.staff_name')
      : error.code === 'banned' && error.scope === 'address' ? t('signin.paused') : errorText(error);
    say(status, text, 'error');
  } finally {
    submit.disabled = false;
  }
}

/** One-step guest sign-in. Calls onDone(session) after it is saved. */
export async function renderGuestSignIn(container, { onDone }) {
  const langs = await pickerLanguages();
  const name = h('input', { name: 'display_name', required: true, maxlength: 80, autocomplete: 'name' });
  const company = h('input', { name: 'company', maxlength: 120, autocomplete: 'organization' });
  const country = select([['', t('common.choose')], ...countryOptions()], { name: 'country', autocomplete: 'country' });
  const lang = select(langs.map((l) => [l, nativeLangName(l)]), { name: 'lang', value: chosenLang() });
  const status = h('p', { class: 'form-status', role: 'alert', hidden: true });
  const langNote = h('p', { class: 'hint span-2 lang-note', 'aria-live': 'polite', hidden: true });
  const showLangNote = async () => {
    const note = await untranslatedNote(lang.value, 'signin.lang_untranslated');
    langNote.textContent = note;
    langNote.hidden = !note;
  };
  lang.addEventListener('change', showLangNote);
  showLangNote();
  const submit = h('button', { type: 'submit', class: 'btn primary' }, t('f.enter'));
  const form = h('form', { class: 'card signin-form', 'aria-label': t('signin.form'), novalidate: true },
    h('h2', {}, t('signin.title')),
    h('p', { class: 'muted' }, t('signin.intro')),
    h('div', { class: 'form-grid' },
      field(t('f.name'), name),
      field(t('f.company'), company, { optional: t('common.optional') }),
      field(t('f.country'), country, { optional: t('common.optional') }),
      field(t('f.language'), lang), langNote),
    status,
    h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!name.value.trim()) {
      say(status, t('err.bad_request'), 'error');
      name.focus();
      return;
    }
    const body = { display_name: name.value.trim(), lang: lang.value };
    if (company.value.trim()) body.company = company.value.trim();
    if (country.value) body.country = country.value;
    await signIn('/api/auth/guest', body, { submit, status, onDone });
  });
  container.replaceChildren(form);
  if (takeExpired()) say(status, t('err.unauthorized'), 'error');
  name.focus();
}

/** E-mail + password sign-in for suppliers, moderators and admins. */
export function renderStaffSignIn(container, { title, onDone }) {
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'username' });
  const password = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'current-password' });
  const status = h('p', { class: 'form-status', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, t('f.signin'));
  const form = h('form', { class: 'card signin-form narrow', 'aria-label': title },
    h('h2', {}, title),
    h('p', { class: 'muted' }, t('staff.intro')),
    field(t('f.email'), email),
    field(t('f.password'), password),
    status,
    h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { email: email.value.trim(), password: password.value };
    await signIn('/api/auth/login', body, { submit, status, onDone });
  });
  container.replaceChildren(form);
  if (takeExpired()) say(status, t('err.unauthorized'), 'error');
  email.focus();
}

/** "Signed in as Ana · Sign out" into `el`; sign-out clears the session and reloads. */
export function renderSessionBar(el, session) {
  if (!session) {
    el.replaceChildren();
    return;
  }
  el.replaceChildren(
    h('span', { class: 'who' }, t('session.as', { name: session.user.display_name })),
    h('button', {
      type: 'button',
      class: 'link-btn',
      onclick: () => { clearSession(); window.location.reload(); },
    }, t('session.signout')),
  );
}
