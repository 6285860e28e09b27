// Quantities and per-unit prices in the reader's language: "MOQ 500 piezas", "1.000 Meter",
// "6,80 US$ / pieza". A product's unit is free text from the supplier; when it names a unit we
// know (in any of the common spellings below), the reader gets the correctly pluralised word of
// their own language. Other units are shown as the supplier wrote them, after a localised number.

import { formatNumber, formatPrice, hasKey, t, tn, uiLang } from './i18n.js';

// Measures Intl.NumberFormat knows (style "unit"): the browser's CLDR data has every plural form.
const MEASURES = {
  meter: ['meter', 'meters', 'metre', 'metres', 'm', 'metro', 'metros', 'mètre', 'mètres', 'метр', 'метров', 'متر', '米', 'メートル', '미터', 'mét'],
  kilogram: ['kilogram', 'kilograms', 'kg', 'kgs', 'kilo', 'kilos', 'kilogramo', 'kilogramos', 'quilograma', 'кг', 'килограмм', 'كيلوغرام', '公斤', '千克', 'キログラム', '킬로그램'],
  liter: ['liter', 'liters', 'litre', 'litres', 'l', 'litro', 'litros', 'литр', 'لتر', '升', '公升', 'リットル', '리터', 'lít'],
};

// Counted units: their words live in the dictionaries (`unit.<id>` plural forms, `unit.<id>.per`).
// Each dictionary's `.per` word is listed too: an inquiry's unit, prefilled in the buyer's
// language, must read in the supplier's.
const COUNTED = {
  piece: ['piece', 'pieces', 'pc', 'pcs', 'pce', '件', '个', '個', 'pieza', 'piezas', 'peça', 'peças', 'pièce', 'pièces', 'stück', 'stk', 'штука', 'шт', 'قطعة', '개', 'chiếc', 'cái', 'adet', 'buah', 'القطعة'],
  set: ['set', 'sets', '套', 'juego', 'juegos', 'conjunto', 'jogo', 'jogos', 'ensemble', 'satz', 'комплект', 'طقم', 'セット', '세트', 'bộ', 'takım', 'الطقم', 'lot'],
  pair: ['pair', 'pairs', '双', '雙', '对', '對', 'par', 'pares', 'paire', 'paar', 'пара', 'زوج', '足', '켤레', 'đôi', 'çift', 'pasang', 'الزوج', '組', 'пару'],
  carton: ['carton', 'cartons', 'ctn', 'ctns', '箱', 'caja', 'cajas', 'caixa', 'karton', 'коробка', 'كرتونة', 'カートン', '박스', 'thùng', 'koli', 'kardus', 'الكرتونة', 'ケース', 'коробку'],
  roll: ['roll', 'rolls', '卷', '捲', 'rollo', 'rollos', 'rolo', 'rouleau', 'rolle', 'рулон', 'لفة', 'ロール', '롤', 'cuộn', 'rulo', 'gulung', 'اللفة'],
  sqm: ['square meter', 'square meters', 'square metre', 'square metres', 'sqm', 'm2', 'm²', '平方米', '平方公尺', 'metro cuadrado', 'metros cuadrados', 'metro quadrado', 'mètre carré', 'quadratmeter', 'квадратный метр', 'кв. м', 'متر مربع', '平方メートル', '제곱미터', 'mét vuông', 'metrekare', 'meter persegi', 'المتر المربع', 'м²'],
  ton: ['ton', 'tons', 'tonne', 'tonnes', 't', 'mt', '吨', '噸', 'tonelada', 'toneladas', 'tonne métrique', 'tonnen', 'тонна', 'т', 'طن', 'トン', '톤', 'tấn', 'الطن', 'тонну', '公噸'],
};

const LOOKUP = new Map();
for (const [kind, table] of [['measure', MEASURES], ['counted', COUNTED]]) {
  for (const [id, words] of Object.entries(table)) {
    for (const w of words) if (!LOOKUP.has(w)) LOOKUP.set(w, { kind, id });
  }
}

function known(text) {
  const key = String(text || '').trim().toLocaleLowerCase().replace(/\.$/, '');
  return LOOKUP.get(key) || null;
}

/** The first of `units` (the supplier's unit, then its translations) that names a known unit. */
export function knownUnit(...units) {
  for (const u of units.flat()) {
    const k = known(u);
    if (k) return k;
  }
  return null;
}

/**
 * "500 piezas": `n` of `unit` in the UI language. `unit` is the text to fall back on;
 * `candidates` are other spellings of the same unit (its translations) used only to recognise it.
 */
export function formatQuantity(n, unit, candidates = []) {
  const k = knownUnit(unit, candidates);
  if (k?.kind === 'measure') {
    return new Intl.NumberFormat(uiLang(), { style: 'unit', unit: k.id, unitDisplay: 'long', maximumFractionDigits: 4 }).format(Number(n));
  }
  if (k && hasKey(`unit.${k.id}`)) return tn(`unit.${k.id}`, Number(n));
  return unit ? `${formatNumber(n)} ${unit}` : formatNumber(n);
}

/** The unit's name after a price ("pieza" in "6,80 US$ / pieza"). */
export function unitName(unit, candidates = []) {
  const k = knownUnit(unit, candidates);
  if (k?.kind === 'measure') {
    const parts = new Intl.NumberFormat(uiLang(), { style: 'unit', unit: k.id, unitDisplay: 'long' }).formatToParts(1);
    const name = parts.filter((p) => p.type === 'unit').map((p) => p.value).join('').trim();
    if (name) return name;
  }
  if (k && hasKey(`unit.${k.id}.per`)) return t(`unit.${k.id}.per`);
  return unit || '';
}

/** "6,80 US$ / pieza". */
export function formatUnitPrice(price, currency, unit, candidates = []) {
  const name = unitName(unit, candidates);
  const amount = formatPrice(price, currency);
  return name ? t('booth.price', { price: amount, unit: name }) : amount;
}
