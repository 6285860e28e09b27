// The console's images: the "Booth images" card (logo, cover) and a product row's photo controls,
// each with its upload button (image_upload.js) and, once there is an image, a remove button that
// asks first. Removing calls DELETE on the upload's own path; the server forgets the files too.

import { h, say, setChildren } from './dom.js';
import { t, errorText } from './i18n.js';
import { api, ApiError } from './session.js';
import { imageEl } from './booth_stage.js';
import { uploadButton } from './image_upload.js';

/** A "Remove" button that turns into "Remove this image?" [Remove] [Cancel]; `onDone()` after 204. */
export function removeButton({ path, token, label, status, onDone }) {
  const box = h('span', { class: 'image-remove' });
  const ask = () => {
    const cancel = h('button', { type: 'button', class: 'btn small', onclick: idle }, t('images.cancel'));
    const confirm = h('button', { type: 'button', class: 'btn small danger', onclick: remove }, t('images.remove'));
    setChildren(box, h('span', { class: 'image-confirm', role: 'alert' }, t('images.confirm_remove')), confirm, cancel);
    cancel.focus();
  };
  const button = h('button', { type: 'button', class: 'btn small danger-outline', onclick: ask }, label);
  function idle() {
    setChildren(box, button);
  }
  async function remove() {
    box.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      await api(path, { method: 'DELETE', token });
    } catch (err) {
      idle();
      say(status, errorText(err instanceof ApiError ? err.error : { code: 'internal' }), 'error');
      button.focus();
      return;
    }
    say(status, t('images.removed'), 'ok');
    onDone();
  }
  idle();
  return box;
}

/** The "Booth images" card: the logo and the cover, each with upload and (when set) remove. */
export function mountBoothImages(root, { booth, token }) {
  const status = h('p', { class: 'form-status', role: 'status', hidden: true });
  const slot = (kind) => {
    const el = h('div', { class: 'image-slot', 'data-kind': kind });
    const path = `/api/booths/${booth.id}/images/${kind}`;
    const draw = () => setChildren(el,
      h('span', { class: 'label' }, t(`images.${kind}`)),
      h('div', { class: `image-preview ${kind}` }, imageEl(booth[kind], { alt: t(`images.${kind}`) })),
      h('div', { class: 'btn-row' },
        uploadButton({ path, token, label: t('images.upload'), status, onDone: (image) => { booth[kind] = image; draw(); } }),
        booth[kind] ? removeButton({ path, token, label: t('images.remove'), status, onDone: () => { booth[kind] = null; draw(); } }) : null));
    draw();
    return el;
  };
  setChildren(root, h('p', { class: 'muted' }, t('images.hint')), h('div', { class: 'image-slots' }, slot('logo'), slot('cover')), status);
}

/** A product row's photo controls: add/change, and remove when it has one. `onChange()` redraws. */
export function productImageControls(product, { token, status, onChange }) {
  const path = `/api/products/${product.id}/image`;
  return h('span', { class: 'product-image-actions' },
    uploadButton({
      path, token, status, label: product.image ? t('images.change_photo') : t('images.add_photo'),
      onDone: (image) => { product.image = image; onChange(); },
    }),
    product.image ? removeButton({
      path, token, status, label: t('images.remove_photo'),
      onDone: () => { product.image = null; onChange(); },
    }) : null);
}
