// Booth page: the buyer's inquiry form, which follows the pinned product until the buyer picks one.

import { C } from './events.js';
import { $, h, say, field, select } from './dom.js';
import { t, errorText } from './i18n.js';
import { call } from './socket.js';
import { countryOptions, CURRENCIES, INCOTERMS } from './trade.js';
import { localized, productById, unitSpellings } from './booth_products.js';
import { state } from './booth_state.js';
import { PendingSend, readJson, storeJson } from './pending_send.js';
import { decimalAmount, wholeNumber } from './typed_numbers.js';
import { unitName } from './units.js';

const pending = new PendingSend();

export function renderInquiryForm() {
  const user = state.session.user;
  if (user.role !== 'buyer') {
    say($('#inquiry-note'), user.booth_id === state.booth.id ? t('booth.staff_note') : t('booth.buyers_only'));
    return;
  }
  const product = select([['', t('inq.general')], ...state.products.map((p) => [String(p.id), localized(p).name])], { name: 'product_id' });
  // Text, not type=number: a number input takes "2.000" (two thousand, written the Spanish way) as 2.
  const quantity = h('input', { name: 'quantity', inputmode: 'numeric', maxlength: 20, autocomplete: 'off' });
  const unit = h('input', { name: 'unit', maxlength: 40 });
  // Checked on submit with the page's own words (inq.price_invalid): a `pattern` would answer in the browser's language.
  const price = h('input', { name: 'target_price', inputmode: 'decimal', maxlength: 20 });
  const currency = select(CURRENCIES.map((c) => [c, c]), { name: 'currency' });
  const incoterm = select([['', t('common.choose')], ...INCOTERMS.map((c) => [c, c])], { name: 'incoterm' });
  const destination = select([['', t('common.choose')], ...countryOptions()], { name: 'destination_country', value: user.country || '' });
  const company = h('input', { name: 'company', maxlength: 120, value: user.company || '', autocomplete: 'organization' });
  const email = h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email', maxlength: 254 });
  const message = h('textarea', { name: 'message', required: true, rows: 4, maxlength: 2000, placeholder: t('inq.message_ph') });
  const consent = h('input', { name: 'consent', type: 'checkbox', required: true, id: 'inq-consent' });
  const result = h('p', { class: 'form-status', role: 'status', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, t('inq.submit'));
  // Why the button is grey while the page is out of the booth (booth.js setJoined).
  const waitNote = h('p', { class: 'hint inq-wait', role: 'status', hidden: true }, t('inq.reconnecting_note'));

  const form = h('form', { id: 'inquiry-form', class: 'card inquiry-form', 'aria-label': t('inq.form') },
    h('p', { class: 'muted' }, t('inq.intro')),
    h('div', { class: 'form-grid' },
      h('div', { class: 'span-2' }, field(t('inq.product'), product)),
      field(t('inq.quantity'), quantity),
      field(t('inq.unit'), unit),
      field(t('inq.target_price'), price),
      field(t('inq.currency'), currency),
      field(t('inq.incoterm'), incoterm),
      field(t('inq.destination'), destination),
      field(t('inq.company'), company, { optional: t('common.optional') }),
      field(t('inq.email'), email),
      h('div', { class: 'span-2' }, field(t('inq.message'), message))),
    h('div', { class: 'consent' }, consent, h('label', { for: 'inq-consent' }, t('inq.consent'))),
    result,
    h('div', { class: 'form-actions' }, waitNote, submit));

  state.inquiry = { form, product, unit, currency, waitNote, touched: false, sent: false };
  product.addEventListener('change', () => {
    state.inquiry.touched = true;
    selectProduct(product.value ? Number(product.value) : null, true);
  });
  // What the buyer filled in is kept in this tab until the inquiry is sent: a reload does not
  // lose it. The client_id of a send waiting for its ack is kept with it, so sending the same form
  // again after a reload is the same lead (the server answers with the one it stored).
  const draftKey = `boothcast.draft.inquiry.${state.booth.id}`;
  const saveDraft = () => {
    const fields = Object.fromEntries([...form.elements].filter((el) => el.name && el.type !== 'checkbox').map((el) => [el.name, el.value]));
    storeJson(draftKey, { fields, key: pending.key, id: pending.id });
  };
  form.addEventListener('input', saveDraft);
  form.addEventListener('change', saveDraft);
  // A sent inquiry keeps its button disabled until the buyer writes another one: one tap, one lead.
  form.addEventListener('input', () => {
    if (!state.inquiry.sent) return;
    state.inquiry.sent = false;
    submit.disabled = $('#chat').dataset.joined !== 'true';
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!message.value.trim()) message.value = ''; // only spaces: the browser's "required" says so
    if (!form.reportValidity()) return;
    const payload = { booth_id: state.booth.id, message: message.value.trim(), email: email.value.trim(), consent: consent.checked };
    if (product.value) payload.product_id = Number(product.value);
    if (quantity.value.trim()) {
      const n = wholeNumber(quantity.value);
      if (n === null) {
        say(result, t('inq.quantity_invalid'), 'error');
        quantity.focus();
        return;
      }
      payload.quantity = n;
    }
    if (unit.value.trim()) payload.unit = unit.value.trim();
    if (price.value.trim()) {
      const p = decimalAmount(price.value);
      if (p === null) {
        say(result, t('inq.price_invalid'), 'error');
        price.focus();
        return;
      }
      payload.target_price = p; // decimal string, never a float
      payload.currency = currency.value;
    }
    if (incoterm.value) payload.incoterm = incoterm.value;
    if (destination.value) payload.destination_country = destination.value;
    if (company.value.trim()) payload.company = company.value.trim();
    // The same form sent again after a lost ack is the same inquiry: one lead (pending_send.js).
    payload.client_id = pending.idFor(JSON.stringify(payload));
    saveDraft();
    submit.disabled = true;
    submit.textContent = t('inq.sending');
    const ack = await call(state.socket, C.INQUIRY_SUBMIT, payload);
    submit.textContent = t('inq.submit');
    if (ack.ok) pending.done(payload.client_id);
    state.inquiry.sent = Boolean(ack.ok);
    submit.disabled = state.inquiry.sent || $('#chat').dataset.joined !== 'true';
    if (ack.ok) {
      say(result, t('inq.sent', { id: ack.lead?.id, email: payload.email }), 'ok');
      result.dataset.leadId = ack.lead?.id ?? '';
      // What was about this inquiry goes with it; who the buyer is (e-mail, company, where to
      // ship) stays. A next inquiry about another product carried the last one's quantity and
      // price into the supplier's lead, and consent is given for each inquiry, never kept.
      message.value = '';
      quantity.value = '';
      price.value = '';
      consent.checked = false;
      state.inquiry.touched = false;
      storeJson(draftKey, null);
    } else {
      say(result, errorText(ack.error), 'error');
    }
  });
  $('#inquiry-slot').replaceChildren(form);
  selectProduct(state.pinnedId, false);
  const draft = readJson(draftKey);
  if (draft?.fields) {
    for (const [name, value] of Object.entries(draft.fields)) {
      const el = form.elements.namedItem(name);
      if (el && typeof value === 'string') el.value = value;
    }
    if (draft.fields.product_id) state.inquiry.touched = true; // their product, not the next pin's
    if (typeof draft.key === 'string' && typeof draft.id === 'string') {
      pending.key = draft.key;
      pending.id = draft.id;
    }
  }
}

export function selectProduct(id, fromUser) {
  const inq = state.inquiry;
  if (!inq) return;
  inq.product.value = id === null ? '' : String(id);
  const p = id === null ? null : productById(id);
  if (p && (fromUser || !inq.unit.value)) {
    // The unit as the product card names it in the buyer's language ("peça", not the Chinese
    // supplier's "件" when the product has no Portuguese text).
    inq.unit.value = unitName(localized(p).unit, unitSpellings(p));
    if (CURRENCIES.includes(p.currency)) inq.currency.value = p.currency;
  }
}

export function inquireAbout(productId) {
  if (!state.inquiry) {
    $('#inquiry').scrollIntoView({ behavior: 'smooth', block: 'start' });
    return;
  }
  state.inquiry.touched = true;
  selectProduct(productId, true);
  state.inquiry.form.scrollIntoView({ behavior: 'smooth', block: 'start' });
  state.inquiry.form.querySelector('[name="quantity"]').focus({ preventScroll: true });
}
