// The buyer's side of moderation on the booth page: a "Report" button on each message of the
// viewer layout, and slow mode (a notice, and the send button counting down to the next turn).
// Every string from the server goes in as text.

import { C } from './events.js';
import { h, say } from './dom.js';
import { t, errorText } from './i18n.js';
import { call } from './socket.js';

export const REPORT_REASONS = ['spam', 'abuse', 'scam', 'off_topic', 'other'];

/**
 * A ChatLog `decorate` hook: a Report button on other people's messages. Opens a small form
 * (reason, optional note) under the line; once sent the button says "Reported".
 * `socket()` gives the current socket; `me` is the signed-in user.
 */
export function reportDecorator({ socket, me }) {
  const reported = new Set();
  return (msg, li) => {
    if (msg.author?.id === me.id) return;
    const button = h('button', {
      type: 'button', class: 'link-btn report-btn', 'aria-haspopup': 'true',
      'aria-label': t('report.button_label', { name: msg.author?.display_name || '?' }),
    }, t('report.button'));
    if (reported.has(msg.id)) markReported(button);
    button.addEventListener('click', () => {
      if (li.querySelector('.report-form')) return;
      const form = reportForm(msg, socket, () => { reported.add(msg.id); markReported(button); });
      li.append(form);
      // On a phone the newest line's form opened under the quick phrases, its Send out of sight.
      form.scrollIntoView({ block: 'nearest' });
      form.querySelector('select')?.focus({ preventScroll: true });
    });
    li.append(button);
  };
}

function markReported(button) {
  button.disabled = true;
  button.textContent = t('report.done');
}

function reportForm(msg, socket, onSent) {
  const reason = h('select', { name: 'reason', 'aria-label': t('report.reason') },
    REPORT_REASONS.map((r) => h('option', { value: r }, t(`report.reason.${r}`))));
  const note = h('input', { name: 'note', maxlength: '500', 'aria-label': t('report.note'), placeholder: t('report.note') });
  const status = h('p', { class: 'form-status', role: 'status', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn danger' }, t('report.send'));
  const cancel = h('button', { type: 'button', class: 'btn' }, t('mod.cancel'));
  const form = h('form', { class: 'report-form', 'aria-label': t('report.title') }, reason, note, submit, cancel, status);
  cancel.addEventListener('click', () => form.remove());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    const ack = await call(socket(), C.CHAT_REPORT, { message_id: msg.id, reason: reason.value, note: note.value });
    if (ack.ok || ack.error?.code === 'conflict') {
      onSent();
      form.remove();
      return;
    }
    submit.disabled = false;
    say(status, errorText(ack.error), 'error');
  });
  return form;
}

/**
 * Slow mode on the send button. `exempt` (the booth's staff, moderators) only sees the notice.
 * `isBlocked()` says whether something else (not joined, muted) keeps the button disabled.
 */
export class SlowModeGate {
  constructor({ form, button, exempt, isBlocked }) {
    this.button = button;
    this.label = button.textContent;
    this.exempt = exempt;
    this.isBlocked = isBlocked;
    this.seconds = 0;
    this.until = 0;
    this.timer = null;
    this.note = h('p', { id: 'slow-mode', class: 'slow-mode-note muted', role: 'status', hidden: true });
    form.before(this.note);
  }

  /** The booth's interval changed (join ack, booth:slow_mode). */
  set(seconds) {
    this.seconds = Number(seconds) || 0;
    this.note.hidden = this.seconds <= 0;
    this.note.textContent = this.seconds > 0 ? t(this.exempt ? 'slow.on_exempt' : 'slow.on', { s: this.seconds }) : '';
    if (this.seconds <= 0) this.wait(0);
  }

  /** A message went out: the next turn is one interval away. */
  sent() {
    if (!this.exempt && this.seconds > 0) this.wait(this.seconds);
  }

  /** Refused with `slow_mode`: the server says how long. */
  wait(seconds) {
    this.until = Date.now() + Math.max(0, Number(seconds) || 0) * 1000;
    clearInterval(this.timer);
    this.timer = null;
    this.tick();
    if (this.until > Date.now()) this.timer = setInterval(() => this.tick(), 250);
  }

  tick() {
    const left = Math.ceil((this.until - Date.now()) / 1000);
    if (left > 0) {
      this.button.disabled = true;
      this.button.textContent = t('slow.wait', { s: left });
      return;
    }
    clearInterval(this.timer);
    this.timer = null;
    this.button.textContent = this.label;
    this.button.disabled = this.isBlocked();
  }

  get waiting() { return this.until > Date.now(); }
}
