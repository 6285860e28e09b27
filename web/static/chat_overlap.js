// On a phone the chat panel runs past the screen's bottom and its message box sticks to that
// bottom (app.css, .chat-composer), so the box covers the end of the chat list: the newest lines.
// The list's end is padded by what the box covers, so a list scrolled to its end shows the newest
// line just above the box; the padding follows the page's scroll, and is 0 where nothing overlaps
// (a laptop, or the panel's end in view).
//
// A list the reader left at its end stays there through any change of size: the padding, the
// list's own box, the window (a phone turned sideways and back rewraps every line, which moved a
// list that was at its end away from it). Whether the reader is at the end is remembered from the
// list's scroll events, not measured after such a change, when the rewrap has already moved it;
// a scroll that comes with a change of the list's size is the reflow's, not the reader's.

/**
 * @param {HTMLElement} list      the scrolling chat list
 * @param {HTMLElement} composer  the sticky box below it (phrases and message box)
 * @param {{atBottom(): boolean, scrollToEnd(): void}} log  the ChatLog that fills the list
 */
export function keepChatEndAboveComposer(list, composer, log) {
  let frame = 0;
  let padded = 0;
  let stuck = true; // at the list's end, where the reader last left it
  const boxSize = () => `${list.clientWidth}x${list.clientHeight}`;
  let size = boxSize();
  const update = () => {
    frame = 0;
    const l = list.getBoundingClientRect();
    const c = composer.getBoundingClientRect();
    // Never the whole list: at least a line's height stays for reading.
    const covered = Math.round(Math.min(Math.max(0, l.bottom - c.top), Math.max(0, list.clientHeight - 48)));
    const resized = boxSize() !== size;
    if (Math.abs(covered - padded) < 2 && !resized) return;
    size = boxSize();
    if (Math.abs(covered - padded) >= 2) {
      padded = covered;
      list.style.paddingBottom = covered ? `${covered}px` : '';
      // What scrollIntoView keeps clear too: a line's report form opens above the box, not under it.
      list.style.scrollPaddingBottom = covered ? `${covered}px` : '';
    }
    if (stuck) log.scrollToEnd();
  };
  const soon = () => { if (!frame) frame = requestAnimationFrame(update); };
  list.addEventListener('scroll', () => {
    if (boxSize() !== size) soon(); // the list was resized: this scroll is the reflow's
    else stuck = log.atBottom();
  }, { passive: true });
  addEventListener('scroll', soon, { passive: true });
  addEventListener('resize', soon);
  new ResizeObserver(soon).observe(composer);
  new ResizeObserver(soon).observe(list);
  soon();
}
