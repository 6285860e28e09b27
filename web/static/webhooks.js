// The booth's CRM webhooks in the supplier console: where new leads and status changes are
// POSTed, the signing secret (shown once, right after creation), and each delivery's state with
// a "redeliver" button. The server does the delivering (docs/protocol.md, "CRM webhooks").
// URLs and errors come from users and receivers: rendered as text only (dom.js `h`).

import { field, h, say, setChildren } from './dom.js';
import { errorText, formatDateTime, hasKey, t } from './i18n.js';
import { api, ApiError } from './session.js';
import { onRefused } from './page.js';

const EVENTS = ['lead.created', 'lead.updated'];
const MAX_HOOKS = 5; // rooms/webhooks.py MAX_PER_BOOTH
const LIMITS = { url: 2000, description: 200 }; // rooms/webhooks.py MAX_URL_LENGTH, MAX_DESCRIPTION

/** Fill `root` with the add form and the booth's endpoints, and load them. */
export function mountWebhooks(root, { booth, token }) {
  const path = `/api/booths/${booth.id}/webhooks`;
  const hooks = new Map(); // id -> Webhook
  const list = h('ul', { class: 'webhook-list' });
  const empty = h('p', { class: 'muted', hidden: true }, t('webhooks.none'));
  const status = h('p', { class: 'form-status', role: 'status', hidden: true });
  const secretBox = h('div', { class: 'webhook-secret', role: 'alert', hidden: true });
  const form = addForm();
  setChildren(root, form.form, secretBox, status, empty, list);

  function failed(err, where = status) {
    const error = err instanceof ApiError ? err.error : { code: 'internal' };
    if (err instanceof ApiError && err.status === 401) onRefused({ code: 'unauthorized' });
    // The server names what is wrong (`reason`) so that it is said in the supplier's language; its
    // English `message` is the fallback for a reason this page does not know yet.
    const reasonKey = `webhooks.reason.${error.field === 'description' ? `note_${error.reason}` : error.reason}`;
    if (error.reason && hasKey(reasonKey)) {
      say(where, t(reasonKey, { n: error.limit ?? LIMITS[error.field] ?? '' }), 'error');
    } else if (error.code === 'bad_request') say(where, t('webhooks.invalid', { reason: error.message || '' }), 'error');
    else say(where, errorText(error), 'error');
    if (error.code === 'not_found') load();
  }

  /** Why a delivery failed, in the page's language (rooms/webhook_errors.py's codes). */
  function errorReason(kind, code) {
    return t(hasKey(`webhooks.err.${kind}`) ? `webhooks.err.${kind}` : 'webhooks.err.other', { code: code ?? '' });
  }

  async function load() {
    try {
      const data = await api(path, { token });
      hooks.clear();
      for (const hook of data.webhooks || []) hooks.set(hook.id, hook);
      render();
    } catch (err) {
      failed(err);
    }
  }

  /** The secret, once: the server never shows it again. */
  function showSecret(secret) {
    const done = h('button', { type: 'button', class: 'btn small', onclick: () => { secretBox.hidden = true; setChildren(secretBox); } },
      t('webhooks.secret_done'));
    setChildren(secretBox,
      h('p', {}, t('webhooks.secret_once')),
      h('code', { class: 'webhook-secret-value' }, secret),
      h('div', { class: 'btn-row' }, done));
    secretBox.hidden = false;
    done.focus();
  }

  function addForm() {
    const url = h('input', { type: 'url', name: 'url', required: true, maxlength: LIMITS.url, placeholder: 'https://', autocomplete: 'off' });
    const boxes = EVENTS.map((ev) => h('input', { type: 'checkbox', name: 'events', value: ev, checked: true }));
    const description = h('input', { name: 'description', maxlength: LIMITS.description, autocomplete: 'off' });
    const submit = h('button', { type: 'submit', class: 'btn primary small' }, t('webhooks.add'));
    const formStatus = h('p', { class: 'form-status', role: 'status', hidden: true });
    const el = h('form', { class: 'webhook-form' },
      field(t('webhooks.url'), url),
      h('fieldset', { class: 'webhook-events' },
        h('legend', {}, t('webhooks.events')),
        EVENTS.map((ev, i) => h('label', { class: 'check' }, boxes[i], ' ', t(`webhooks.ev.${ev}`)))),
      field(t('webhooks.description'), description, { optional: t('common.optional') }),
      h('div', { class: 'btn-row' }, submit),
      formStatus);
    el.addEventListener('submit', async (event) => {
      event.preventDefault();
      const events = EVENTS.filter((_, i) => boxes[i].checked);
      submit.disabled = true;
      say(formStatus, '');
      try {
        const body = { url: url.value.trim(), events };
        if (description.value.trim()) body.description = description.value.trim();
        const data = await api(path, { method: 'POST', token, body });
        const { secret, ...hook } = data.webhook;
        hooks.set(hook.id, hook);
        el.reset();
        render();
        say(status, t('webhooks.added'), 'ok');
        showSecret(secret);
      } catch (err) {
        failed(err, formStatus);
      } finally {
        submit.disabled = hooks.size >= MAX_HOOKS;
      }
    });
    return { form: el, submit };
  }

  function render() {
    const sorted = [...hooks.values()].sort((a, b) => a.id - b.id);
    setChildren(list, sorted.map(renderHook));
    empty.hidden = sorted.length > 0;
    form.submit.disabled = sorted.length >= MAX_HOOKS;
  }

  function renderHook(hook) {
    const li = h('li', { class: 'webhook-item', 'data-webhook-id': hook.id });
    const itemStatus = h('p', { class: 'form-status', role: 'status', hidden: true });
    const deliveries = h('div', { class: 'webhook-deliveries', hidden: true });
    const counts = hook.deliveries || { pending: 0, delivered: 0, failed: 0 };
    const failing = hook.enabled && hook.last_attempt && !hook.last_attempt.ok;
    const show = () => {
      setChildren(li,
        h('p', { class: 'webhook-url' }, hook.url),
        hook.description ? h('p', { class: 'muted' }, hook.description) : null,
        h('p', { class: 'webhook-meta' },
          h('span', { class: `badge ${hook.enabled ? 'role-badge' : 'booth-badge'}` }, t(hook.enabled ? 'webhooks.enabled' : 'webhooks.disabled')),
          ' ', (hook.events || []).map((ev) => t(`webhooks.ev.${ev}`)).join(' · '),
          ' — ', t('webhooks.counts', counts)),
        // "On" alone looked healthy while every delivery failed: the last attempt's outcome, worded.
        failing ? h('p', { class: 'webhook-failing', role: 'status' },
          h('span', { class: 'badge delivery-failed' }, t('webhooks.failing')), ' ',
          errorReason(hook.last_attempt.error_kind, hook.last_attempt.status_code), ' · ',
          t('webhooks.last_try', { when: formatDateTime(hook.last_attempt.at) })) : null,
        h('div', { class: 'btn-row' },
          h('button', { type: 'button', class: 'btn small', onclick: toggleDeliveries, 'aria-expanded': 'false' }, t('webhooks.deliveries')),
          h('button', { type: 'button', class: 'btn small', onclick: toggleEnabled }, t(hook.enabled ? 'webhooks.disable' : 'webhooks.enable')),
          h('button', { type: 'button', class: 'btn small danger-outline', onclick: confirmDelete }, t('webhooks.delete'))),
        itemStatus,
        deliveries);
    };
    const toggleDeliveries = async (event) => {
      const open = deliveries.hidden;
      event.currentTarget.setAttribute('aria-expanded', String(open));
      deliveries.hidden = !open;
      if (open) await loadDeliveries();
    };
    const loadDeliveries = async () => {
      try {
        const data = await api(`/api/webhooks/${hook.id}/deliveries`, { token });
        const rows = data.deliveries || [];
        const refresh = h('button', { type: 'button', class: 'btn small', onclick: loadDeliveries }, t('webhooks.refresh'));
        setChildren(deliveries,
          rows.length ? h('ul', { class: 'delivery-list' }, rows.map(renderDelivery)) : h('p', { class: 'muted' }, t('webhooks.no_deliveries')),
          h('div', { class: 'btn-row' }, refresh));
      } catch (err) {
        failed(err, itemStatus);
      }
    };
    const renderDelivery = (d) => {
      // In the supplier's words; what the network library said stays one hover away.
      const result = d.error_kind ? errorReason(d.error_kind, d.last_status_code) : '';
      const when = d.status === 'delivered' ? t('webhooks.delivered_at', { when: formatDateTime(d.delivered_at) })
        : d.status === 'pending' && d.next_attempt_at ? t('webhooks.next_at', { when: formatDateTime(d.next_attempt_at) }) : '';
      const redeliver = d.status === 'pending' ? null
        : h('button', { type: 'button', class: 'btn small', onclick: () => redeliverOne(d) }, t('webhooks.redeliver'));
      return h('li', { class: 'delivery', 'data-status': d.status, 'data-delivery-id': d.id },
        h('span', { class: `badge delivery-${d.status}` }, t(`webhooks.st.${d.status}`)), ' ',
        t(`webhooks.ev.${d.event.type}`), ' · ', t('webhooks.lead', { id: d.event.lead_id ?? '—' }), ' · ',
        t('webhooks.attempts', { n: d.attempts }),
        result ? h('span', { class: 'delivery-result muted', title: d.last_error || '' }, ` · ${result}`) : null,
        when ? h('span', { class: 'muted' }, ` · ${when}`) : null,
        redeliver ? ' ' : null, redeliver);
    };
    const redeliverOne = async (d) => {
      try {
        await api(`/api/webhooks/${hook.id}/deliveries/${d.id}/redeliver`, { method: 'POST', token, body: {} });
        say(itemStatus, t('webhooks.redelivered'), 'ok');
        await loadDeliveries();
      } catch (err) {
        failed(err, itemStatus);
      }
    };
    const toggleEnabled = async () => {
      try {
        const data = await api(`/api/webhooks/${hook.id}`, { method: 'PATCH', token, body: { enabled: !hook.enabled } });
        hooks.set(hook.id, data.webhook);
        render();
      } catch (err) {
        failed(err, itemStatus);
      }
    };
    const confirmDelete = () => {
      const cancel = h('button', { type: 'button', class: 'btn small', onclick: show }, t('webhooks.cancel'));
      setChildren(li,
        h('p', {}, t('webhooks.confirm_delete', { url: hook.url })),
        h('div', { class: 'btn-row' },
          h('button', { type: 'button', class: 'btn small danger', onclick: remove }, t('webhooks.delete')),
          cancel),
        itemStatus);
      cancel.focus();
    };
    const remove = async () => {
      try {
        await api(`/api/webhooks/${hook.id}`, { method: 'DELETE', token });
        hooks.delete(hook.id);
        render();
        say(status, t('webhooks.deleted'), 'ok');
      } catch (err) {
        failed(err, itemStatus);
      }
    };
    show();
    return li;
  }

  load();
  // New leads are being delivered: the counts and the failing line follow, unless the supplier has
  // a delivery list open (rebuilding it would close it under them).
  return {
    refresh() {
      if (hooks.size && !root.querySelector('.webhook-deliveries:not([hidden])')) load();
    },
  };
}
