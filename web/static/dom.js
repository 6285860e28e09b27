// Tiny DOM helpers. Everything user-supplied goes in as text nodes (append/textContent):
// there is no code path here that parses a string as HTML.

/**
 * h('li', {class: 'msg', 'data-id': 3, onclick: fn}, 'text', childNode)
 * Attributes: `class`, `text` (textContent), `on<event>` (listener), anything else → setAttribute
 * (`true` → empty attribute, `false`/null/undefined → skipped). Children: nodes or strings (text).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = String(value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** Replace all children of `el`. */
export function setChildren(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

/** Show a message in a status element (role=status or role=alert); empty text hides it. */
export function say(el, text, kind = 'info') {
  el.textContent = text || '';
  el.dataset.kind = kind;
  el.hidden = !text;
}

let uid = 0;
/** A unique id for label/aria wiring. */
export function newId(prefix = 'bc') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** <label> + control pair; the label's text is the control's accessible name. */
export function field(labelText, control, { hint, optional } = {}) {
  if (!control.id) control.id = newId('f');
  const label = h('label', { for: control.id }, labelText);
  const wrap = h('div', { class: 'field' }, label);
  if (optional) label.append(h('span', { class: 'optional', 'aria-hidden': 'true' }, ` (${optional})`));
  wrap.append(control);
  if (hint) wrap.append(h('p', { class: 'hint' }, hint));
  return wrap;
}

/** A <select> from [[value, label], ...]. */
export function select(options, { value, ...attrs } = {}) {
  const el = h('select', attrs, options.map(([v, label]) => h('option', { value: v }, label)));
  if (value !== undefined) el.value = value;
  return el;
}
