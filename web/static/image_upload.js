// The console's image uploads: a product's photo, the booth's logo and cover. The file goes as the
// request body (POST /api/products/{id}/image, /api/booths/{id}/images/{logo|cover}); the server
// checks the real type and size, strips metadata and answers the stored sizes' URLs.

import { h, say } from './dom.js';
import { t, errorText } from './i18n.js';

const ACCEPT = 'image/jpeg,image/png,image/webp';
const MAX_BYTES = 8 * 1024 * 1024;

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
      say(status, errorText({ code: 'too_long' }), 'error');
      return;
    }
    button.disabled = true;
    say(status, t('images.uploading'));
    const ack = await send(path, token, file);
    button.disabled = false;
    if (!ack.ok) {
      say(status, ack.error?.message && ack.error.code === 'bad_request' ? ack.error.message : errorText(ack.error), 'error');
      return;
    }
    say(status, t('images.saved'), 'ok');
    onDone(ack.image);
  });
  return h('span', { class: 'upload' }, input, button);
}
