// The booth's glossary in the supplier console: the brand, product names and jargon that chat
// translation must render one fixed way per language, or leave exactly as written (no fixed
// translation at all). The server applies an edit to the very next message.
// Terms come from the supplier but are still rendered as text only (dom.js `h`).

import { field, h, say, setChildren } from './dom.js';
import { errorText, nativeLangName, t, tn } from './i18n.js';
import { api, ApiError } from './session.js';
import { onRefused } from './page.js';

// The languages the bundled models speak; a term may carry others (set through the API), and
// editing it here keeps them.
const LANGS = ['en', 'zh', 'es'];
const MAX_TERMS = 500; // translation/glossary.py MAX_TERMS
const MAX_LENGTH = 80; // translation/glossary.py MAX_TERM_LENGTH

/**
 * Fill `root` with the add form and the term list, and load the booth's glossary.
 * `countEl` (optional) shows how many terms there are.
 */
export function mountGlossary(root, { booth, token, countEl = null }) {
  const path = `/api/booths/${booth.id}/glossary`;
  const terms = new Map(); // id -> {id, term, translations}
  const list = h('ul', { class: 'glossary-list' });
  const empty = h('p', { class: 'muted glossary-empty', hidden: true }, t('glossary.empty'));
  const status = h('p', { class: 'form-status', role: 'status', hidden: true });
  const addForm = termForm({ submitLabel: t('glossary.add'), onSubmit: add });
  setChildren(root, addForm.form, status, empty, list);

  function failed(err, where = status) {
    const error = err instanceof ApiError ? err.error : { code: 'internal' };
    if (err instanceof ApiError && err.status === 401) onRefused({ code: 'unauthorized' });
    if (error.code === 'conflict') say(where, t('glossary.duplicate'), 'error');
    else if (error.reason === 'keep_as_written') say(where, t('glossary.keep_as_written', { text: error.span }), 'error');
    else if (error.reason === 'too_long') say(where, t('glossary.too_long', { n: MAX_LENGTH }), 'error');
    else if (error.reason === 'control') say(where, t('glossary.control'), 'error');
    else if (error.reason === 'too_short') say(where, t('glossary.too_short'), 'error');
    else if (error.code === 'bad_request') say(where, t('glossary.invalid', { n: MAX_LENGTH }), 'error');
    else say(where, errorText(error), 'error');
    // Someone else (another staff member, an admin) may have changed it meanwhile.
    if (error.code === 'not_found') load();
  }

  /** A change went through: say so, and drop an earlier error of the add form. */
  function done(text) {
    say(addForm.status, '');
    say(status, text, 'ok');
  }

  async function load() {
    try {
      const data = await api(path, { token });
      terms.clear();
      for (const term of data.terms || []) terms.set(term.id, term);
      render();
    } catch (err) {
      failed(err);
    }
  }

  async function add(values) {
    try {
      const term = await api(path, { method: 'POST', token, body: values });
      terms.set(term.id, term);
      addForm.reset();
      render();
      done(t('glossary.added'));
      addForm.focus();
    } catch (err) {
      failed(err, addForm.status);
    }
  }

  function render() {
    const sorted = [...terms.values()].sort((a, b) => a.term.localeCompare(b.term, undefined, { sensitivity: 'base' }));
    setChildren(list, sorted.map(renderTerm));
    empty.hidden = sorted.length > 0;
    if (countEl) countEl.textContent = tn('glossary.count', sorted.length);
    const full = sorted.length >= MAX_TERMS;
    addForm.setDisabled(full);
    if (full) say(status, t('glossary.full', { n: MAX_TERMS }), 'error');
  }

  function renderTerm(term) {
    const li = h('li', { class: 'glossary-item', 'data-term-id': term.id });
    const itemStatus = h('p', { class: 'form-status', role: 'status', hidden: true });
    const show = () => {
      const entries = Object.entries(term.translations || {});
      const actions = h('div', { class: 'btn-row' },
        h('button', { type: 'button', class: 'btn small', 'aria-label': t('glossary.edit_term', { term: term.term }), onclick: edit },
          t('glossary.edit')),
        h('button', { type: 'button', class: 'btn small danger-outline', 'aria-label': t('glossary.delete_term', { term: term.term }), onclick: confirmDelete },
          t('glossary.delete')));
      setChildren(li,
        h('p', { class: 'glossary-term' }, term.term),
        entries.length
          ? h('dl', { class: 'glossary-renderings' }, entries.map(([lang, text]) => h('div', {},
            h('dt', {}, nativeLangName(lang)), h('dd', { lang }, text))))
          : h('span', { class: 'badge never-badge' }, t('glossary.never')),
        actions,
        itemStatus);
    };
    const edit = () => {
      const form = termForm({
        term,
        submitLabel: t('glossary.save'),
        onCancel: show,
        onSubmit: async (values) => {
          // Languages this form doesn't show are kept as they were.
          const others = Object.fromEntries(Object.entries(term.translations || {}).filter(([lang]) => !LANGS.includes(lang)));
          try {
            const saved = await api(`${path}/${term.id}`, {
              method: 'PATCH', token, body: { term: values.term, translations: { ...others, ...values.translations } },
            });
            terms.set(saved.id, saved);
            render();
            done(t('glossary.saved'));
          } catch (err) {
            failed(err, form.status);
          }
        },
      });
      setChildren(li, form.form);
      form.focus();
    };
    const confirmDelete = () => {
      const cancel = h('button', { type: 'button', class: 'btn small', onclick: show }, t('glossary.cancel'));
      setChildren(li,
        h('p', { class: 'glossary-confirm' }, t('glossary.confirm_delete', { term: term.term })),
        h('div', { class: 'btn-row' },
          h('button', { type: 'button', class: 'btn small danger', onclick: remove }, t('glossary.delete')),
          cancel),
        itemStatus);
      cancel.focus();
    };
    const remove = async () => {
      try {
        await api(`${path}/${term.id}`, { method: 'DELETE', token });
        terms.delete(term.id);
        render();
        done(t('glossary.deleted'));
      } catch (err) {
        failed(err, itemStatus);
      }
    };
    show();
    return li;
  }

  load();
}

/**
 * The term and its fixed translations (en, zh, es), as a form. Blank translations are left out:
 * all blank means "never translate".
 */
function termForm({ term = null, submitLabel, onSubmit, onCancel = null }) {
  const termInput = h('input', { name: 'term', required: true, maxlength: MAX_LENGTH, autocomplete: 'off', value: term?.term ?? '' });
  const inputs = LANGS.map((lang) => h('input', {
    name: `tr-${lang}`, lang, maxlength: MAX_LENGTH, autocomplete: 'off', value: term?.translations?.[lang] ?? '',
  }));
  const submit = h('button', { type: 'submit', class: 'btn primary small' }, submitLabel);
  let locked = false;
  const status = h('p', { class: 'form-status', role: 'status', hidden: true });
  const form = h('form', { class: 'glossary-form' },
    field(t('glossary.term'), termInput),
    h('fieldset', { class: 'glossary-langs' },
      h('legend', {}, t('glossary.fixed')),
      LANGS.map((lang, i) => field(nativeLangName(lang), inputs[i], { optional: t('common.optional') })),
      h('p', { class: 'hint' }, t('glossary.never_hint'))),
    h('div', { class: 'btn-row' },
      submit,
      onCancel ? h('button', { type: 'button', class: 'btn small', onclick: onCancel }, t('glossary.cancel')) : null),
    status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = termInput.value.trim();
    if (!value) return;
    const translations = {};
    LANGS.forEach((lang, i) => {
      const text = inputs[i].value.trim();
      if (text) translations[lang] = text;
    });
    submit.disabled = true;
    say(status, '');
    try {
      await onSubmit({ term: value, translations });
    } finally {
      submit.disabled = locked;
    }
  });
  return {
    form,
    status,
    focus: () => termInput.focus(),
    reset: () => { form.reset(); say(status, ''); },
    setDisabled: (disabled) => {
      locked = disabled;
      for (const el of [termInput, ...inputs, submit]) el.disabled = disabled;
    },
  };
}
