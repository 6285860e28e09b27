// The console's image uploads: a product's photo, the booth's logo and cover. The file goes as the
// request body (POST /api/products/{id}/image, /api/booths/{id}/images/{logo|cover}); the server
// checks the real type and size, strips metadata and answers the stored sizes' URLs.

import { h, say } from './dom.js';
import { t, errorText } from './i18n.js';

const ACCEPT = 'image/jpeg,image/png,image/webp';
const MAX_BYTES = 8 * 1024 * 1024;
// media/images.py's limits on what an image may decode to.
const MAX_SIDE = 12000;
const MAX_PIXELS = 25_000_000;

async function send(path, token, file) {
  let res;
  try {
    res = await fetch(path, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': file.type || 'application/octet-stream' }, body: file });
  } catch {
    return { ok: false, error: { code: 'network' } };
  }
  const data = await res.json().catch(() => null);
  return res.ok ? { ok: true, ...data } : { ok: false, error: data?.error || { code: `http_${res.status}` } };
}

const REASONS = ['empty', 'format', 'unreadable', 'dimensions', 'animated'];

/** Why the server refused a file, in the page's language (the server's `reason`, docs/protocol.md). */
function refusal(error) {
  if (error?.code === 'too_long') return t('images.err.too_big', { mb: MAX_BYTES / (1024 * 1024) });
  if (error?.code === 'bad_request' && REASONS.includes(error.reason)) {
    return t(`images.err.${error.reason}`, { side: MAX_SIDE, mp: MAX_PIXELS / 1e6 });
  }
  return errorText(error);
}

/** A button that picks a file and uploads it; `onDone(image)` gets the stored sizes. */
export function uploadButton({ path, token, label, status, onDone }) {
  // The visible button is the control; the file input behind it is out of the tab order and the tree.
  const input = h('input', { type: 'file', accept: ACCEPT, class: 'sr-only', tabindex: -1, 'aria-hidden': 'true' });
  const button = h('button', { type: 'button', class: 'btn small', onclick: () => input.click() }, label);
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    if (file.size > MAX_BYTES) {
      say(status, refusal({ code: 'too_long' }), 'error');
      return;
    }
    button.disabled = true;
    say(status, t('images.uploading'));
    const ack = await send(path, token, file);
    button.disabled = false;
    if (!ack.ok) {
      say(status, refusal(ack.error), 'error');
      return;
    }
    say(status, t('images.saved'), 'ok');
    onDone(ack.image);
  });
  return h('span', { class: 'upload' }, input, button);
}
