// A browser notification for each new lead while the console tab is in the background. The
// permission is asked only when the supplier clicks the button (browsers ignore, and users
// resent, a prompt on load); the notification carries text only, never markup.

import { t } from './i18n.js';

const supported = () => typeof window.Notification === 'function';

function label(button) {
  const p = supported() ? Notification.permission : 'denied';
  button.textContent = t(p === 'granted' ? 'notify.on' : p === 'denied' ? 'notify.blocked' : 'notify.enable');
  button.disabled = p !== 'default';
  button.dataset.permission = p;
}

/** Wire the "Notify me of new leads" button; hidden where the browser has no notifications. */
export function mountLeadNotify(button) {
  if (!supported()) {
    button.hidden = true;
    return;
  }
  label(button);
  button.addEventListener('click', async () => {
    try {
      await Notification.requestPermission();
    } finally {
      label(button);
    }
  });
}

/** Notify of `lead` if the tab is hidden and the supplier allowed it; a visible tab shows the card. */
export function notifyLead(lead) {
  if (!supported() || Notification.permission !== 'granted' || document.visibilityState !== 'hidden') return null;
  const name = lead.buyer?.display_name || '?';
  const body = [lead.product_name, lead.message_translated || lead.message].filter(Boolean).join(' — ').slice(0, 200);
  const n = new Notification(t('notify.new_lead', { name }), { body, tag: `lead-${lead.id}`, lang: document.documentElement.lang || undefined });
  n.onclick = () => {
    window.focus();
    document.querySelector(`[data-lead-id="${Number(lead.id)}"]`)?.scrollIntoView({ block: 'center' });
    n.close();
  };
  return n;
}
