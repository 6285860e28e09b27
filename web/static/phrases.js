// Quick phrases: one-tap trade questions (booth page) and answers (console), sent as
// `chat:send {booth_id, phrase: {id, params}}`. The server renders each reader's text from the
// catalogue (GET /api/phrases), so what the other side reads is exact, never machine-translated.
// A phrase without parameters goes out on the first tap; one with parameters opens a small form,
// prefilled from the pinned product (its MOQ, unit, price, currency) where that fits.
// Everything is built with h()/textContent: catalogue text is never parsed as HTML.

import { C } from './events.js';
import { $, h, say, field, select } from './dom.js';
import { t, uiLang, errorText } from './i18n.js';
import { api } from './session.js';
import { call } from './socket.js';
import { PendingSend } from './pending_send.js';
import { decimalAmount, localDecimal, wholeNumber } from './typed_numbers.js';

let catalogueOnce = null;

/** GET /api/phrases, fetched once per page. */
export function loadCatalogue() {
  catalogueOnce ??= api('/api/phrases').catch((err) => { catalogueOnce = null; throw err; });
  return catalogueOnce;
}

/** The catalogue language for the UI language: its own, its base language, or English. */
export function phraseLang(cat, lang = uiLang()) {
  if (cat.languages.includes(lang)) return lang;
  const base = String(lang).split('-')[0];
  return cat.languages.includes(base) ? base : 'en';
}

/** The unit code a product's free-text unit names ("pieza", "件", "pcs" → "piece"), or null. */
export function unitCode(cat, text) {
  const want = String(text || '').trim().toLocaleLowerCase();
  if (!want) return null;
  if (cat.units[want]) return want;
  for (const [code, langs] of Object.entries(cat.units)) {
    for (const forms of Object.values(langs)) {
      if (Object.values(forms).some((f) => f.toLocaleLowerCase() === want)) return code;
    }
  }
  return null;
}

function unitLabel(cat, code, lang) {
  const forms = cat.units[code]?.[lang] || {};
  return forms.other || forms.one || code;
}

/** A button's label: the template with its placeholders shown as "…". */
function label(phrase, lang) {
  // "…" where the values go; a full stop right after it would read "…." (a user try's phone).
  return phrase.text[lang].replace(/\{\w+\}(\s*\{\w+\})*/g, '…').replace(/…[.。]/g, '…');
}

/**
 * Mount the phrase buttons for `role` ('buyer' | 'supplier') into `container`.
 *   socket, boothId: where phrases are sent
 *   products(): the booth's products; pinned(): the pinned product or null
 *   status: the chat's status element (errors are said there)
 *   productName(p): a product's name in the UI language
 */
export async function mountQuickPhrases(container, { role, socket, boothId, products, pinned, status, productName }) {
  const pending = new PendingSend();
  let cat;
  try {
    cat = await loadCatalogue();
  } catch {
    container.hidden = true; // the free-text chat still works without the catalogue
    return null;
  }
  const lang = phraseLang(cat);
  const mine = cat.phrases.filter((p) => p.role === role);
  const form = h('div', { class: 'phrase-form', hidden: true });
  const buttons = mine.filter((p) => p.common).map((p) => h('button', {
    type: 'button', class: 'btn small phrase-btn', 'data-phrase': p.id, onclick: () => choose(p),
  }, label(p, lang)));
  const more = select([['', t('phrases.more')], ...mine.filter((p) => !p.common).map((p) => [p.id, label(p, lang)])],
    { class: 'phrase-more', 'aria-label': t('phrases.more') });
  more.addEventListener('change', () => {
    const p = mine.find((x) => x.id === more.value);
    more.value = '';
    if (p) choose(p);
  });
  container.replaceChildren(
    h('p', { class: 'phrase-title muted' }, t('phrases.title')),
    h('div', { class: 'phrase-buttons' }, buttons, more),
    form,
  );
  container.hidden = false;

  async function send(phrase, params) {
    // The same phrase with the same values, tapped again after a lost ack, is the same message.
    const clientId = pending.idFor(JSON.stringify([phrase.id, params]));
    const ack = await call(socket(), C.CHAT_SEND, { booth_id: boothId, phrase: { id: phrase.id, params }, client_id: clientId });
    if (ack.ok) {
      pending.done(clientId);
      say(status, '');
    } else say(status, errorText(ack.error), 'error');
    return ack.ok;
  }

  function choose(phrase) {
    if (!phrase.params.length) {
      form.hidden = true;
      send(phrase, {});
      return;
    }
    const controls = {};
    const p = pinned();
    for (const { name, kind } of phrase.params) controls[name] = control(kind, p);
    const fields = phrase.params.map(({ name, kind }) => field(t(`phrases.param.${kind}`), controls[name]));
    const sendBtn = h('button', { type: 'submit', class: 'btn primary small' }, t('phrases.send'));
    const cancel = h('button', { type: 'button', class: 'btn small', onclick: () => { form.hidden = true; } }, t('phrases.cancel'));
    const el = h('form', { class: 'phrase-params', 'data-phrase': phrase.id },
      h('p', { class: 'phrase-template' }, label(phrase, lang)), fields, h('div', { class: 'phrase-actions' }, sendBtn, cancel));
    el.addEventListener('submit', async (event) => {
      event.preventDefault();
      const params = {};
      for (const { name, kind } of phrase.params) params[name] = value(kind, controls[name]);
      if (!el.reportValidity()) return; // the browser shows the first field's reason, in the page's language
      sendBtn.disabled = true;
      const ok = await send(phrase, params);
      sendBtn.disabled = false;
      if (ok) form.hidden = true;
    });
    form.replaceChildren(el);
    form.hidden = false;
    (Object.values(controls)[0])?.focus();
  }

  function control(kind, p) {
    const limits = cat.limits;
    switch (kind) {
      // Text, not type=number: a number field reads "2.000" as 2 and drops "٣٠٠٠" (typed_numbers.js).
      case 'quantity':
        return numberInput('numeric', p?.moq ?? '');
      case 'days':
        return numberInput('numeric', 30);
      case 'price':
        return numberInput('decimal', p?.price != null ? localDecimal(p.price, uiLang()) : '');
      case 'unit':
        return select(Object.keys(cat.units).map((code) => [code, unitLabel(cat, code, lang)]),
          { value: unitCode(cat, p?.unit) ?? unitCode(cat, p?.i18n?.en?.unit) ?? 'piece' });
      case 'currency':
        return select(cat.currencies.map((c) => [c, c]), { value: cat.currencies.includes(p?.currency) ? p.currency : 'USD' });
      case 'incoterm':
        return select(cat.incoterms.map((c) => [c, c]), { value: 'FOB' });
      case 'product':
        return select(products().map((x) => [String(x.id), productName(x)]), { value: p ? String(p.id) : undefined });
      default:
        return h('input', { maxlength: limits.port, required: true });
    }
  }

  function numberInput(inputmode, value) {
    const el = h('input', { inputmode, required: true, maxlength: 20, autocomplete: 'off', value });
    el.addEventListener('input', () => el.setCustomValidity(''));
    return el;
  }

  /** The parameter's value, or null (and the field told why) when it is not a number it takes. */
  function value(kind, el) {
    if (kind === 'product') return Number(el.value);
    if (kind === 'quantity' || kind === 'days') {
      const n = wholeNumber(el.value, kind === 'days' ? cat.limits.days : cat.limits.quantity);
      if (n === null) el.setCustomValidity(t(kind === 'days' ? 'phrases.days_invalid' : 'inq.quantity_invalid'));
      return n;
    }
    if (kind === 'price') {
      const amount = decimalAmount(el.value);
      if (amount === null) el.setCustomValidity(t('inq.price_invalid'));
      return amount;
    }
    return el.value.trim();
  }

  return { choose: (id) => { const p = mine.find((x) => x.id === id); if (p) choose(p); } };
}

/** Where the phrase row goes: just above the chat's message box. */
export function phraseContainer() {
  const box = h('div', { id: 'quick-phrases', class: 'quick-phrases', hidden: true });
  $('#chat-form').before(box);
  return box;
}
