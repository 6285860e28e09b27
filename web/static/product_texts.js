// Products in every language, in the supplier console: how buyers of each language read each
// product, with machine translations (and doubted ones) marked, and a correction form. A
// correction becomes the supplier's own wording and wins from then on (rooms/product_texts.py).
// Rendered as text only (dom.js `h`).

import { field, h, say, setChildren } from './dom.js';
import { errorText, langName, nativeLangName, t } from './i18n.js';
import { api, ApiError } from './session.js';
import { onRefused } from './page.js';

const MAX_NAME = 160; // rooms/product_texts.py MAX_LENGTH
const MAX_DESCRIPTION = 4000;

function sourceBadge(local, fieldName) {
  const f = local.fields?.[fieldName] || { i18n_source: local.i18n_source, uncertain: local.uncertain };
  if (f.i18n_source === 'machine' && f.uncertain) {
    return h('span', { class: 'badge uncertain-badge', 'data-source': 'uncertain' }, t('ptexts.uncertain'));
  }
  if (f.i18n_source === 'machine') return h('span', { class: 'badge', 'data-source': 'machine' }, t('ptexts.machine'));
  if (f.i18n_source === 'original') return h('span', { class: 'badge', 'data-source': 'original' }, t('ptexts.original'));
  return h('span', { class: 'badge', 'data-source': 'supplier' }, t('ptexts.supplier'));
}

/** Fill `root` with the booth's products in every language, and load them. */
export function mountProductTexts(root, { booth, token }) {
  const base = `/api/booths/${booth.id}/products`;
  const status = h('p', { class: 'form-status', role: 'status', hidden: true });
  const list = h('ul', { class: 'ptexts-list' });
  setChildren(root, status, list);
  let data = null;

  function failed(err) {
    if (err instanceof ApiError && err.status === 401) onRefused({ code: 'unauthorized' });
    const error = err instanceof ApiError ? err.error : { code: 'internal' };
    const invalid = error.field === 'description'
      ? t('ptexts.invalid_description', { n: MAX_DESCRIPTION })
      : t('ptexts.invalid', { n: MAX_NAME });
    say(status, error.code === 'bad_request' ? invalid : errorText(error), 'error');
  }

  async function load() {
    try {
      data = await api(`${base}/i18n`, { token });
      render();
    } catch (err) {
      failed(err);
    }
  }

  function render() {
    if (!data.products.length) {
      setChildren(list, h('li', { class: 'muted' }, t('ptexts.empty')));
      return;
    }
    setChildren(list, data.products.map((p) => h('li', { class: 'ptexts-product', 'data-product-id': p.id },
      h('h3', {}, p.name),
      h('ul', { class: 'ptexts-langs' }, data.languages.map((lang) => renderLang(p, lang))))));
  }

  function renderLang(p, lang) {
    const local = p.texts[lang];
    const row = h('li', { class: 'ptexts-lang', 'data-lang': lang });
    const show = () => setChildren(row,
      h('span', { class: 'ptexts-lang-name' }, nativeLangName(lang)),
      h('div', { class: 'ptexts-field' }, sourceBadge(local, 'name'), ' ', h('strong', { lang }, local.name)),
      p.description ? h('div', { class: 'ptexts-field' }, sourceBadge(local, 'description'), ' ', h('span', { lang }, local.description)) : null,
      h('button', { type: 'button', class: 'btn small', onclick: edit }, t('ptexts.correct')));
    function edit() {
      const name = h('input', { type: 'text', name: 'name', value: local.name, maxlength: MAX_NAME, required: true });
      const description = h('textarea', { name: 'description', maxlength: MAX_DESCRIPTION, rows: 2 });
      description.value = local.description;
      const form = h('form', { class: 'ptexts-form' },
        field(t('ptexts.name'), name),
        p.description ? field(t('ptexts.description'), description) : null,
        h('div', { class: 'btn-row' },
          h('button', { type: 'submit', class: 'btn primary small' }, t('ptexts.save')),
          h('button', { type: 'button', class: 'btn small', onclick: show }, t('ptexts.cancel'))));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        // Only what changed: an untouched machine text stays marked as the machine's.
        const body = {};
        if (name.value.trim() !== local.name) body.name = name.value;
        if (p.description && description.value.trim() !== local.description) body.description = description.value;
        if (!Object.keys(body).length) { show(); return; }
        try {
          const res = await api(`${base}/${p.id}/i18n/${encodeURIComponent(lang)}`, { method: 'PATCH', token, body });
          p.texts[lang] = res.product.localized;
          render();
          say(status, t('ptexts.saved', { lang: langName(lang) }), 'ok'); // "en inglés", not "en English"
        } catch (err) {
          failed(err);
        }
      });
      setChildren(row, h('span', { class: 'ptexts-lang-name' }, nativeLangName(lang)), form);
      name.focus();
    }
    show();
    return row;
  }

  load();
}
