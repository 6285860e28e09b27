// The chat box's length counter: shown once a message nears the server's limit, so a buyer on a
// phone learns of it while typing rather than on Send. The limit comes with the booth:join ack
// (`chat_max_length`); characters are counted as the server counts them (code points, trimmed).

import { formatNumber, t } from './i18n.js';

const SHOW_FROM = 0.9; // of the limit: below, the counter is only noise

export function lengthCounter(input, out) {
  let max = 0;
  const update = () => {
    const n = [...input.value.trim()].length;
    const over = max > 0 && n > max;
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
