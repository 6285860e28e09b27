// Replay page shell: the recorded session's video and a chat pane in the viewer's language.
// The livestream module fills in the player and feeds the chat pane as the video plays:
//   window.BoothcastLive.mountReplay(videoEl, {sessionId, token, lang, chat})
// where `chat` is {merge(messages), add(message), remove(id), clear()} over ChatMessage objects
// and `pinned(product | null)` shows the product that was pinned at that moment.

import { $, h, setChildren } from './dom.js';
import { t } from './i18n.js';
import { bootPage, loadLiveModule, pageTitle } from './page.js';
import { renderGuestSignIn, renderSessionBar } from './signin.js';
import { ChatLog } from './chat.js';
import { productNameNodes } from './product_text.js';

const sessionId = decodeURIComponent(window.location.pathname.split('/').filter(Boolean)[1] || '');

async function main() {
  const session = bootPage();
  renderSessionBar($('#session-bar'), session);
  pageTitle(t('replay.title'));
  if (!session) {
    await renderGuestSignIn($('#signin'), { onDone: () => window.location.reload() });
    return;
  }
  $('#replay-root').hidden = false;
  const log = new ChatLog($('#chat-list'), { layout: 'viewer', orderBy: 'seq', empty: $('#chat-empty') });
  const chat = {
    merge: (messages) => log.merge(messages),
    add: (message) => log.add(message),
    remove: (id) => log.remove(id),
    clear: () => log.clear(),
    pinned: (product) => {
      const banner = $('#pinned-banner');
      banner.hidden = !product;
      // In the viewer's language (the server localizes each pin for the caller).
      if (product) setChildren(banner, h('span', { class: 'badge pinned-badge' }, t('booth.pinned')), h('strong', {}, ...productNameNodes(product, session.user.lang)));
    },
    title: (title, subtitle) => {
      $('#replay-title').textContent = title;
      $('#replay-sub').textContent = subtitle || '';
      pageTitle(title);
    },
  };
  const live = await loadLiveModule();
  if (live?.mountReplay) {
    live.mountReplay($('#player'), { sessionId, token: session.token, lang: session.user.lang, chat });
  } else {
    $('#player-missing').hidden = false;
  }
}

main();
