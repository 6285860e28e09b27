// Booth page: the products in the viewer's language, and the pinned one highlighted in the list,
// the banner and over the video.

import { $, h, setChildren } from './dom.js';
import { t, uiLang } from './i18n.js';
import { formatQuantity, formatUnitPrice } from './units.js';
import { imageEl, renderVideoInquire } from './booth_stage.js';
import { productNameNodes, productText } from './product_text.js';
import { inquireAbout, selectProduct } from './booth_inquiry.js';
import { state } from './booth_state.js';

/** The viewer's language for product texts: the server localizes for the account's language. */
function readerLang(p) {
  const lang = state.session?.user?.lang;
  return p.localized?.lang === lang || p.localized_by_lang?.[lang] || p.i18n?.[lang] ? lang : uiLang();
}

/** A product's name/description/unit in the viewer's language (product_text.js). */
export function localized(p) {
  return productText(p, readerLang(p));
}

/** Every spelling of a product's unit (the supplier's, its translations): to recognise it. */
export function unitSpellings(p) {
  return [p.unit, ...Object.values(p.i18n || {}).map((tr) => tr?.unit)].filter(Boolean);
}

export function productById(id) {
  return state.products.find((p) => p.id === id) || null;
}

export function renderProducts() {
  setChildren($('#product-list'), state.products.map((p) => {
    const l = localized(p);
    return h('li', { class: `product-card${p.id === state.pinnedId ? ' is-pinned' : ''}`, 'data-product-id': p.id },
      imageEl(p.image, { alt: l.name, cls: 'product-image' }),
      h('span', { class: 'badge pinned-badge' }, t(state.live ? 'booth.pinned' : 'booth.featured')),
      h('h3', {}, ...productNameNodes(p, readerLang(p))),
      h('p', { class: 'muted sku' }, p.sku || ''),
      l.description ? h('p', { class: 'desc' }, l.description) : null,
      h('p', { class: 'price' }, formatUnitPrice(p.price, p.currency, l.unit, unitSpellings(p))),
      h('p', { class: 'moq muted' }, t('booth.moq', { qty: formatQuantity(p.moq, l.unit, unitSpellings(p)) })),
      h('button', { type: 'button', class: 'btn', onclick: () => inquireAbout(p.id) }, t('booth.inquire')));
  }));
}

export function setPinned(product) {
  const known = product ? productById(product.id) : null;
  if (product && !known) state.products.push(product);
  // A pin carries the product in every language present: the freshest reading of its texts.
  else if (known && product.localized_by_lang) known.localized_by_lang = product.localized_by_lang;
  state.pinnedId = product ? product.id : null;
  for (const li of document.querySelectorAll('#product-list .product-card')) {
    li.classList.toggle('is-pinned', Number(li.dataset.productId) === state.pinnedId);
  }
  showPinned();
  // The inquiry form follows the pinned product until the buyer picks one themselves.
  if (state.inquiry && !state.inquiry.touched) selectProduct(state.pinnedId, false);
}

export function showPinned() {
  const banner = $('#pinned-banner');
  const p = state.pinnedId !== null ? productById(state.pinnedId) : null;
  const ended = $('#booth-root').classList.contains('is-ended');
  banner.hidden = !p || ended;
  // "On stream now" only while live; between streams the pinned product is the booth's featured one.
  const label = t(state.live ? 'booth.pinned' : 'booth.featured');
  for (const badge of $('#product-list').querySelectorAll('.pinned-badge')) badge.textContent = label;
  renderVideoInquire($('#video-inquire'), state.live ? p : null, p ? localized(p).name : '', inquireAbout);
  if (p) {
    const l = localized(p);
    setChildren(banner,
      h('span', { class: 'badge pinned-badge' }, label),
      h('strong', {}, ...productNameNodes(p, readerLang(p))),
      h('span', { class: 'price' }, formatUnitPrice(p.price, p.currency, l.unit, unitSpellings(p))),
      h('button', { type: 'button', class: 'btn primary small', onclick: () => inquireAbout(p.id) }, t('booth.inquire')));
  }
}
