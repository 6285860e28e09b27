// The chat box's length counter: shown once a message nears the server's limit, so a buyer on a
// phone learns of it while typing rather than on Send. The limit comes with the booth:join ack
// (`chat_max_length`); characters are counted as the server counts them (code points, trimmed).

import { say } from './dom.js';
import { errorText, formatNumber, t } from './i18n.js';

const SHOW_FROM = 0.9; // of the limit: below, the counter is only noise

/**
 * `status`: where the page shows a refused send. Its "too long" error goes as soon as the text
 * fits again, instead of staying until the next Send.
 */
export function lengthCounter(input, out, { status = null } = {}) {
  let max = 0;
  const update = () => {
    const n = [...input.value.trim()].length;
    const over = max > 0 && n > max;
    if (status && !over && status.textContent === errorText({ code: 'too_long', max_length: max })) say(status, '');
    out.hidden = !(max > 0 && n >= max * SHOW_FROM);
    out.classList.toggle('is-over', over);
    out.textContent = out.hidden ? '' : t(over ? 'chat.count_over' : 'chat.count', { n: formatNumber(n), max: formatNumber(max) });
  };
  input.addEventListener('input', update);
  return {
    setMax(value) {
      max = Number.isInteger(value) && value > 0 ? value : 0;
      update();
    },
    update, // after the page itself changes the box (sent, cleared)
  };
}
