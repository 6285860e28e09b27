// A product's texts in the reader's language (docs/protocol.md, *Products in the reader's
// language*). The server sends `localized` (or, in `product:pinned`, `localized_by_lang`): the
// supplier's own wording where they gave one, else a machine translation marked as such. A doubted
// machine translation (`uncertain`) is never shown as sure: the supplier's original comes first and
// the translation is labelled. Rendered as text only (dom.js `h`).

import { h } from './dom.js';
import { t } from './i18n.js';

/** The server's reading of `p` in `lang`, if it sent one. */
function serverText(p, lang) {
  const local = p.localized?.lang === lang ? p.localized : p.localized_by_lang?.[lang];
  return local || null;
}

/**
 * `{name, description, unit, machine, uncertain, original}` for a reader of `lang`. `name` is what
 * to show first: for an uncertain translation that is the original, and `machine` holds the rest.
 */
export function productText(p, lang) {
  const local = serverText(p, lang);
  const own = p.i18n?.[lang] || {};
  if (!local) {
    return { name: own.name || p.name, description: own.description || p.description, unit: own.unit || p.unit, machine: null, uncertain: false };
  }
  const fields = local.fields || {};
  const pick = (field) => {
    const f = fields[field] || { i18n_source: local.i18n_source, uncertain: local.uncertain };
    // Doubted: the supplier's words first; the machine's stay one look away.
    if (f.i18n_source === 'machine' && f.uncertain) return { text: p[field], machine: local[field], uncertain: true };
    return { text: local[field], machine: f.i18n_source === 'machine' ? local[field] : null, uncertain: false };
  };
  const name = pick('name');
  const description = pick('description');
  return {
    name: name.text,
    description: description.text,
    unit: local.unit || p.unit,
    machine: name.machine,
    uncertain: name.uncertain,
  };
}

/** The name as a heading's children: the text, and a marker when a machine wrote it. */
export function productNameNodes(p, lang) {
  const text = productText(p, lang);
  if (text.uncertain) {
    return [
      h('span', { class: 'product-name' }, text.name),
      h('span', { class: 'badge uncertain-badge product-mt', title: t('product.uncertain_title'), 'data-mt': 'uncertain' },
        t('product.machine_uncertain', { text: text.machine })),
    ];
  }
  if (text.machine) {
    return [
      h('span', { class: 'product-name' }, text.name),
      h('span', { class: 'badge product-mt', title: t('product.machine_title'), 'data-mt': 'machine' }, t('product.machine')),
    ];
  }
  return [h('span', { class: 'product-name' }, text.name)];
}
