// On a phone the chat panel runs past the screen's bottom and its message box sticks to that
// bottom (app.css, .chat-composer), so the box covers the end of the chat list: the newest lines.
// The list's end is padded by what the box covers, so a list scrolled to its end shows the newest
// line just above the box; the padding follows the page's scroll, and is 0 where nothing overlaps
// (a laptop, or the panel's end in view).

/**
 * @param {HTMLElement} list      the scrolling chat list
 * @param {HTMLElement} composer  the sticky box below it (phrases and message box)
 * @param {{atBottom(): boolean, scrollToEnd(): void}} log  the ChatLog that fills the list
 */
export function keepChatEndAboveComposer(list, composer, log) {
  let frame = 0;
  let padded = 0;
  const update = () => {
    frame = 0;
    const l = list.getBoundingClientRect();
    const c = composer.getBoundingClientRect();
    // Never the whole list: at least a line's height stays for reading.
    const covered = Math.round(Math.min(Math.max(0, l.bottom - c.top), Math.max(0, list.clientHeight - 48)));
    if (Math.abs(covered - padded) < 2) return;
    const stick = log.atBottom();
    padded = covered;
    list.style.paddingBottom = covered ? `${covered}px` : '';
    if (stick) log.scrollToEnd();
  };
  const soon = () => { if (!frame) frame = requestAnimationFrame(update); };
  addEventListener('scroll', soon, { passive: true });
  addEventListener('resize', soon);
  new ResizeObserver(soon).observe(composer);
  new ResizeObserver(soon).observe(list);
  soon();
}
