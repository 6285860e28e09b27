// The page for an address that names nothing (a mistyped booth address, an old link): said in the
// reader's language, with the way back to the lobby. Served with status 404 (server/pages.py).

import { $ } from './dom.js';
import { t } from './i18n.js';
import { bootPage, pageTitle } from './page.js';
import { renderSessionBar } from './signin.js';

renderSessionBar($('#session-bar'), bootPage());
pageTitle(t('notfound.title'));
