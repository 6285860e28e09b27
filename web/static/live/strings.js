// The livestream module's own words: the `live.<key>` entries of the interface dictionaries
// (web/static/i18n/<lang>.js), so they come in every interface language with the rest.
import { t } from '/static/i18n.js';

export function lt(key, vars = {}) {
  return t(`live.${key}`, vars);
}
