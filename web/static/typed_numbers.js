// Numbers as people type them on their own keyboards: Arabic-Indic, Persian or full-width digits,
// grouped with dots, commas, spaces or apostrophes. Every form that takes a quantity or a price
// reads it here, so "2.000" from a Brazilian buyer is two thousand everywhere, never 2 in one form
// (a number field reads it so) and 2,000 in another.

/**
 * Digits as keyboards type them, as ASCII: Arabic-Indic (٥٠٠), Persian (۵۰۰) and full-width (５００,
 * from a Chinese or Japanese input method), with the Arabic decimal and thousands signs (٦٫٥٠, ١٬٠٠٠).
 */
export function latinDigits(text) {
  return text
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\uff10-\uff19]/g, (d) => String(d.charCodeAt(0) - 0xff10))
    .replace(/\u066b/g, '.').replace(/\u066c/g, ',').replace(/\uff0e/g, '.').replace(/\uff0c/g, ',');
}

/**
 * A whole number as people write it: digits, grouped with spaces, dots, commas or apostrophes
 * ("2000", "2.000", "2,000", "2 000", "2'000"); null for anything else, decimals included: a
 * separator followed by other than three digits ("1.5", "2,50") is not a grouping.
 */
export function wholeNumber(text, max = 1e12) {
  const s = latinDigits(String(text)).trim().replace(/[\s\u00a0\u202f]/g, ' ');
  if (!/^\d{1,3}([ .,']\d{3})*$|^\d+$/.test(s)) return null;
  const n = Number(s.replace(/[ .,']/g, ''));
  return Number.isSafeInteger(n) && n >= 1 && n <= max ? n : null;
}

/** An amount as a decimal string ("6.50"), from "6,50", "٦٫٥٠" or "6.5"; null for anything else. */
export function decimalAmount(text) {
  const s = latinDigits(String(text)).trim().replace(',', '.');
  return /^\d{1,8}(\.\d{1,4})?$/.test(s) ? s : null;
}

/**
 * A decimal string ("14.50") as the reader writes it ("14,50" in Spanish or German), for a field
 * they may edit: a Spanish console's price field was prefilled "14.50" (a user try).
 * `decimalAmount` reads both.
 */
export function localDecimal(text, lang) {
  const mark = new Intl.NumberFormat(lang).formatToParts(1.5).find((part) => part.type === 'decimal')?.value || '.';
  return String(text).replace('.', mark);
}
