// Reference lists for forms: countries (ISO 3166-1 alpha-2; names come from the browser's
// Intl.DisplayNames in the UI language), currencies and Incoterms 2020.

import { countryName } from './i18n.js';

const COUNTRY_CODES = (
  'AD AE AF AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT BW BY BZ CA CD CF ' +
  'CG CH CI CL CM CN CO CR CU CV CY CZ DE DJ DK DM DO DZ EC EE EG ER ES ET FI FJ FM FR GA GB GD ' +
  'GE GH GM GN GQ GR GT GW GY HK HN HR HT HU ID IE IL IN IQ IR IS IT JM JO JP KE KG KH KI KM KN ' +
  'KP KR KW KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MG MH MK ML MM MN MO MR MT MU MV MW ' +
  'MX MY MZ NA NE NG NI NL NO NP NR NZ OM PA PE PG PH PK PL PS PT PW PY QA RO RS RU RW SA SB SC ' +
  'SD SE SG SI SK SL SM SN SO SR SS ST SV SY SZ TD TG TH TJ TL TM TN TO TR TT TV TW TZ UA UG US ' +
  'UY UZ VA VC VE VN VU WS YE ZA ZM ZW'
).split(' ');

/** [[code, name], ...] sorted by name in the UI language. */
export function countryOptions() {
  return COUNTRY_CODES.map((c) => [c, countryName(c)]).sort((a, b) => a[1].localeCompare(b[1]));
}

export const CURRENCIES = ['USD', 'EUR', 'GBP', 'CNY', 'JPY', 'HKD', 'AUD', 'CAD', 'CHF', 'INR', 'BRL', 'MXN', 'AED'];

export const INCOTERMS = ['EXW', 'FCA', 'FAS', 'FOB', 'CFR', 'CIF', 'CPT', 'CIP', 'DAP', 'DPU', 'DDP'];

export const LEAD_STATUSES = ['new', 'contacted', 'quoted', 'won', 'lost'];
