// A chat list that merges messages by key without duplicates, keeps them ordered, and renders
// every user-supplied string as text. Used by the booth page, the console, the replay page
// and the moderator feed.
//
// Layouts:
//  - 'viewer': the text in the reader's language, a "Translated" marker on machine-translated
//    lines and a per-line "Show original" toggle;
//  - 'staff': original and translation side by side (console, moderator feed).
//
// A translation the server's confidence gate doubts (`uncertain: true`) may say the wrong thing
// fluently, so it is never dressed as a sure one: in both layouts the author's original comes
// first, an "uncertain" marker replaces "Translated", and the translation is labelled as doubtful
// (for viewers, behind the same toggle that otherwise reveals the original).

import { h } from './dom.js';
import { t, formatTime, langName, uiLang } from './i18n.js';

export class ChatLog {
  /**
   * @param {HTMLElement} list  an <ol> that scrolls (overflow-y: auto)
   * @param {object} opts
   *   layout: 'viewer' | 'staff'
   *   orderBy: 'seq' (one booth) | 'id' (several booths: ids are global)
   *   empty: element shown while the list is empty
   *   decorate(msg, li): add extras (booth name, moderator buttons)
   *   limit: lines kept on screen; the oldest go first (a busy fair runs for hours)
   *   markUntranslated: badge a foreign line no engine translated (default: the viewer layout;
   *     the supplier's console too, not the moderators' feed of originals)
   */
  constructor(list, { layout = 'viewer', orderBy = 'seq', empty = null, decorate = null, limit = 500, onMessage = null,
    markUntranslated = layout === 'viewer' } = {}) {
    this.list = list;
    this.markUntranslated = markUntranslated;
    this.onMessage = onMessage; // told of every message merged, live or from history
    this.limit = limit;
    this.layout = layout;
    this.orderBy = orderBy;
    this.empty = empty;
    this.decorate = decorate;
    this.items = []; // [{key, id, li}] in display order
    this.byId = new Map();
    // Whether the reader follows the newest line: set by their own scrolling only. The list also
    // shrinks under them (a quick-phrase form or a preview opens below it), which moves its bottom
    // out of view without a scroll event; a reader who was following is kept at the bottom then.
    this.following = true;
    list.addEventListener('scroll', () => { this.following = this.atBottom(); }, { passive: true });
    if (window.ResizeObserver) new ResizeObserver(() => { if (this.following) this.scrollToEnd(); }).observe(list);
    this.updateEmpty();
  }

  /** Add or update messages (history on join, after a reconnect, live events). */
  merge(messages) {
    const stick = this.following || this.atBottom();
    for (const msg of messages) {
      this.put(msg);
      this.onMessage?.(msg);
    }
    while (this.items.length > this.limit) this.remove(this.items[0].id);
    this.updateEmpty();
    if (stick) this.scrollToEnd();
  }

  add(msg) { this.merge([msg]); }

  has(id) { return this.byId.has(id); }

  get size() { return this.items.length; }

  remove(id) {
    const item = this.byId.get(id);
    if (!item) return;
    item.li.remove();
    this.byId.delete(id);
    this.items.splice(this.items.indexOf(item), 1);
    this.updateEmpty();
  }

  /** Moderators keep hidden lines on screen, marked. */
  markHidden(id) {
    const item = this.byId.get(id);
    if (!item) return;
    item.li.classList.add('is-hidden');
    const meta = item.li.querySelector('.msg-meta');
    if (meta && !meta.querySelector('.hidden-badge')) meta.append(h('span', { class: 'badge hidden-badge' }, t('mod.hidden')));
    for (const b of item.li.querySelectorAll('button[data-action="hide"]')) b.disabled = true;
  }

  clear() {
    this.items = [];
    this.byId.clear();
    this.list.replaceChildren();
    this.updateEmpty();
  }

  put(raw) {
    if (raw == null || typeof raw.id !== 'number') return;
    const msg = readable(raw);
    const key = this.orderBy === 'seq' && typeof msg.seq === 'number' ? msg.seq : msg.id;
    const li = this.render(msg);
    const existing = this.byId.get(msg.id);
    if (existing) {
      // Same message again (history after a reconnect): keep one line, with the newest text.
      existing.li.replaceWith(li);
      existing.li = li;
      return;
    }
    const item = { key, id: msg.id, li };
    // Messages nearly always arrive in order: search from the end.
    let i = this.items.length;
    while (i > 0 && this.items[i - 1].key > key) i -= 1;
    if (i === this.items.length) this.list.append(li);
    else this.items[i].li.before(li);
    this.items.splice(i, 0, item);
    this.byId.set(msg.id, item);
  }

  render(msg) {
    const author = msg.author || {};
    // The exhibitor's badge only for this booth's own staff (`author.staff`): a supplier of another
    // booth chats here as a visitor, so nobody passes for the exhibitor. Moderators and admins keep theirs.
    const role = author.role === 'supplier' && author.staff === false ? 'buyer' : (author.role || 'buyer');
    // A quick phrase is the team's own wording in every language: exact, not machine-translated.
    const exact = typeof msg.phrase?.id === 'string';
    const translated = msg.translated === true && !exact;
    const uncertain = translated && msg.uncertain === true;
    const differs = typeof msg.original === 'string' && msg.original !== msg.text;
    const li = h('li', {
      class: `msg role-${role}${uncertain ? ' is-uncertain' : translated ? ' is-translated' : ''}${exact ? ' is-phrase' : ''}`,
      'data-id': msg.id,
      'data-seq': msg.seq,
      'data-author-id': author.id,
      'data-translated': translated ? 'true' : 'false',
      'data-uncertain': uncertain ? 'true' : 'false',
      'data-phrase': exact ? msg.phrase.id : null,
    });
    const meta = h('div', { class: 'msg-meta' },
      h('span', { class: 'author' }, author.display_name || '?'),
      role !== 'buyer' ? h('span', { class: `badge role-badge role-${role}` }, t(`role.${role}`)) : null,
      h('time', { datetime: msg.created_at }, formatTime(msg.created_at)),
      exact ? h('span', { class: 'badge phrase-badge', title: t('chat.exact_title') }, t('chat.exact')) : null,
      translated && !uncertain ? h('span', {
        class: 'badge mt-badge',
        title: t('chat.translated_from', { lang: langName(msg.source_lang) }),
      }, t('chat.translated')) : null,
      // A reader whose language no engine serves is told, in their language, that this is the original.
      this.markUntranslated && !translated && !exact && foreign(msg.source_lang) ? h('span', {
        class: 'badge untranslated-badge',
        title: t('chat.untranslated_title', { lang: langName(msg.source_lang) }),
      }, t('chat.untranslated')) : null,
      uncertain ? h('span', {
        class: 'badge uncertain-badge',
        title: t('chat.uncertain_title', { lang: langName(msg.source_lang) }),
      }, h('span', { class: 'warn-icon', 'aria-hidden': 'true' }), t('chat.uncertain')) : null,
    );
    li.append(meta);
    if (uncertain && differs) this.uncertainBody(msg, li);
    else this.body(msg, li, differs, translated || exact);
    clampLong(li);
    if (this.decorate) this.decorate(msg, li, meta);
    return li;
  }

  /** The text: side by side for staff, or with a "Show original" toggle for viewers. */
  body(msg, li, differs, translated) {
    if (this.layout === 'staff' && differs) {
      li.append(h('div', { class: 'msg-pair' },
        h('div', { class: 'msg-col' },
          h('span', { class: 'col-label' }, `${t('chat.original')} · ${langName(msg.source_lang)}`),
          h('p', { class: 'msg-text msg-original-text', lang: msg.source_lang }, msg.original)),
        h('div', { class: 'msg-col' },
          h('span', { class: 'col-label' }, t('chat.translation')),
          h('p', { class: 'msg-text' }, msg.text)),
      ));
      return;
    }

    const sure = translated && msg.uncertain !== true;
    li.append(h('p', { class: 'msg-text', lang: sure ? null : msg.source_lang }, msg.text));
    if (this.layout === 'viewer' && differs) {
      const original = h('p', { class: 'msg-original', lang: msg.source_lang, hidden: true }, msg.original);
      li.append(original, revealToggle(original, t('chat.show_original'), t('chat.hide_original')));
    }
  }

  /** A doubted translation: the author's words first, the translation labelled as doubtful. */
  uncertainBody(msg, li) {
    const label = h('span', { class: 'col-label' }, t('chat.uncertain_label'));
    if (this.layout === 'staff') {
      li.append(h('div', { class: 'msg-pair' },
        h('div', { class: 'msg-col' },
          h('span', { class: 'col-label' }, `${t('chat.original')} · ${langName(msg.source_lang)}`),
          h('p', { class: 'msg-text msg-original-text', lang: msg.source_lang }, msg.original)),
        h('div', { class: 'msg-col is-uncertain' }, label, h('p', { class: 'msg-text msg-uncertain-text' }, msg.text)),
      ));
      return;
    }
    li.append(h('p', { class: 'msg-text msg-original-first', lang: msg.source_lang }, msg.original));
    const translation = h('div', { class: 'msg-uncertain', hidden: true }, label, h('p', { class: 'msg-uncertain-text' }, msg.text));
    li.append(translation, revealToggle(translation, t('chat.show_translation'), t('chat.hide_translation')));
  }

  atBottom() {
    const el = this.list;
    return el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  }

  scrollToEnd() {
    this.list.scrollTop = this.list.scrollHeight;
  }

  updateEmpty() {
    if (this.empty) this.empty.hidden = this.items.length > 0;
  }
}

/** A language other than the reader's (zh and zh-Hant are one language in two scripts). */
function foreign(lang) {
  return foreignTo(lang, uiLang());
}

/** Whether text in `source` needs a translation for a reader of `reader` ("zh" reads "zh-Hant"). */
export function foreignTo(source, reader) {
  if (typeof source !== 'string' || !source) return false;
  const base = (code) => String(code || '').split('-')[0];
  return base(source) !== base(reader);
}

/** The per-line button that shows or hides `target` (the original, or a doubted translation);
 * its label says what a tap will do next. */
// A message past this many characters or lines shows its first lines and a "Show all": a single
// 1,920-character spam line filled a phone's whole chat (a user try).
const LONG_CHARS = 280;
const LONG_LINES = 6;

function clampLong(li) {
  for (const p of li.querySelectorAll('.msg-text')) {
    const text = p.textContent || '';
    if (text.length <= LONG_CHARS && text.split('\n').length <= LONG_LINES) continue;
    p.classList.add('is-clamped');
    const toggle = h('button', { type: 'button', class: 'link-btn toggle-long', 'aria-expanded': 'false' }, t('chat.show_all'));
    toggle.addEventListener('click', () => {
      const open = p.classList.toggle('is-clamped') === false;
      toggle.setAttribute('aria-expanded', String(open));
      toggle.textContent = t(open ? 'chat.show_less' : 'chat.show_all');
    });
    p.after(toggle);
  }
}

function revealToggle(target, showLabel, hideLabel) {
  const toggle = h('button', { type: 'button', class: 'link-btn toggle-original', 'aria-pressed': 'false' }, showLabel);
  toggle.addEventListener('click', () => {
    const show = target.hidden;
    target.hidden = !show;
    toggle.setAttribute('aria-pressed', String(show));
    toggle.textContent = show ? hideLabel : showLabel;
  });
  return toggle;
}

/**
 * A translation that came back empty (a weak model can drop a whole sentence) is no use to the
 * reader: show what the author wrote instead, as an untranslated line.
 */
export function readable(msg) {
  if (typeof msg.text === 'string' && msg.text.trim()) return msg;
  return { ...msg, text: msg.original ?? '', translated: false, uncertain: false };
}

/**
 * Catch-up by seq for one booth. A booth's `seq` grows by one per message, so a message whose
 * seq jumps past the next one expected means some were missed (between server nodes while
 * Redis was away, or while the socket reconnected). After a short wait (messages from two nodes
 * may arrive a little out of order) the missing ones are fetched with `chat:history` and merged
 * by seq, so nothing shows twice. The server's `chat:resync` names the booth's latest seq, for a
 * booth that went quiet right after the messages this client missed.
 *
 * `fetchAfter(seq)` resolves to the `chat:history` ack; `merge(messages)` shows them.
 */
export class SeqCatchUp {
  constructor(fetchAfter, merge, { settleMs = 500, maxPages = 5 } = {}) {
    this.fetchAfter = fetchAfter;
    this.merge = merge;
    this.settleMs = settleMs;
    this.maxPages = maxPages; // 5 × 100: as many lines as a ChatLog keeps
    this.known = null; // every visible message up to this seq is here; null before the first join
    this.ahead = new Set(); // seqs received past known + 1
    this.target = 0; // a seq the server says exists
    this.timer = null;
    this.running = false;
  }

  /** After each join: the history starts the count (first join) or the rest is fetched (reconnect). */
  joined(history) {
    const seqs = seqsOf(history);
    if (this.known === null) {
      this.known = seqs.length ? Math.max(...seqs) : 0;
      return;
    }
    this.seen(seqs);
    this.run(); // at once: whatever came while offline is not on its way any more
  }

  /** Live messages (chat:message, chat:batch). */
  seen(seqs) {
    if (this.known === null) return;
    for (const s of seqs) if (Number.isInteger(s) && s > this.known) this.ahead.add(s);
    this.advance();
    if (this.behind()) this.schedule(this.settleMs);
  }

  /** chat:resync: the booth's latest seq. */
  resync(lastSeq) {
    if (!Number.isInteger(lastSeq)) return;
    this.target = Math.max(this.target, lastSeq);
    if (this.known !== null && this.behind()) this.schedule(this.settleMs);
  }

  advance() {
    while (this.ahead.delete(this.known + 1)) this.known += 1;
    for (const s of this.ahead) if (s <= this.known) this.ahead.delete(s);
  }

  behind() {
    return this.ahead.size > 0 || this.target > this.known;
  }

  schedule(ms) {
    if (this.timer !== null || this.running) return;
    this.timer = setTimeout(() => { this.timer = null; this.run(); }, ms);
  }

  async run() {
    if (this.running || this.known === null) return;
    this.advance();
    if (!this.behind()) return;
    this.running = true;
    let retryMs = null;
    let failed = false;
    try {
      for (let page = 0; page < this.maxPages; page += 1) {
        // Seqs known to exist before asking: the answer includes them unless they are hidden.
        // (Live ones that arrive while we wait may be newer than the answer.)
        const existed = Math.max(this.target, ...this.ahead);
        const ack = await this.fetchAfter(this.known);
        if (!ack.ok) {
          // Rate-limited: try again when allowed. Otherwise (offline, not joined yet) the next
          // join, live message or resync tries again.
          if (ack.error?.code === 'rate_limited') retryMs = Math.max(1, Number(ack.error.retry_after) || 1) * 1000;
          failed = true;
          return;
        }
        const messages = ack.messages || [];
        this.merge(messages);
        const top = Math.max(this.known, ...seqsOf(messages));
        if (ack.more) {
          this.known = top;
          this.advance();
          if (!this.behind()) return; // the rest is here already (the join's history, live ones)
          continue;
        }
        // Every visible message up to `existed` is here now: holes left are hidden messages.
        this.known = Math.max(top, existed);
        this.advance();
        return;
      }
      // Too far behind to show it all: keep the latest, as a ChatLog would.
      this.known = Math.max(this.known, this.target, ...this.ahead);
      this.ahead.clear();
    } finally {
      this.running = false;
      if (retryMs !== null) this.schedule(retryMs);
      else if (!failed && this.behind()) this.schedule(this.settleMs);
    }
  }
}

function seqsOf(messages) {
  return (messages || []).map((m) => m?.seq).filter(Number.isInteger);
}
