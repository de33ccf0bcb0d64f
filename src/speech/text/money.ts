// Amounts of money: "$12.50" → "twelve dollars and fifty cents", "$0.99" → "ninety-nine cents",
// "$1.5 million" → "one point five million dollars", "$2M" → "two million dollars", "5€" → "five euros".

import { cardinal, readNumber } from './numbers.js'
import { needs } from './needs.js'

interface Currency { one: string; many: string; centOne?: string; centMany?: string }

const CURRENCIES: Record<string, Currency> = {
  $: { one: 'dollar', many: 'dollars', centOne: 'cent', centMany: 'cents' },
  USD: { one: 'dollar', many: 'dollars', centOne: 'cent', centMany: 'cents' },
  '£': { one: 'pound', many: 'pounds', centOne: 'penny', centMany: 'pence' },
  GBP: { one: 'pound', many: 'pounds', centOne: 'penny', centMany: 'pence' },
  '€': { one: 'euro', many: 'euros', centOne: 'cent', centMany: 'cents' },
  EUR: { one: 'euro', many: 'euros', centOne: 'cent', centMany: 'cents' },
  '¥': { one: 'yen', many: 'yen' },
  '₹': { one: 'rupee', many: 'rupees', centOne: 'paisa', centMany: 'paise' },
}

const SCALE_WORDS: Record<string, string> = {
  k: 'thousand', thousand: 'thousand', m: 'million', mn: 'million', mm: 'million', million: 'million',
  b: 'billion', bn: 'billion', billion: 'billion', t: 'trillion', tn: 'trillion', trillion: 'trillion',
}

const AMOUNT = String.raw`(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?`
// Letter scales must touch the number ("$2M"); word scales may follow a space ("$1.5 million").
const SCALE = String.raw`(?:([kKmMbBtT]|bn|mn|MM|tn)\b|\s(thousand|million|billion|trillion)\b)?`
const SYMBOL_FIRST = needs(/[$£€¥₹]/, new RegExp(String.raw`(-)?([$£€¥₹])\s?(-)?${AMOUNT}${SCALE}(?!\d)`, 'g'))
const SYMBOL_AFTER = needs(['$', '€', '£', 'USD', 'EUR', 'GBP'], new RegExp(String.raw`(?<![\w.,$£€¥₹])(-)?${AMOUNT}\s?([€£$]|USD|EUR|GBP)(?![\w$£€])`, 'g'))
const CODE_FIRST = needs(['USD', 'EUR', 'GBP'], new RegExp(String.raw`\b(USD|EUR|GBP) ${AMOUNT}${SCALE}(?!\d)`, 'g'))
const CENTS_SIGN = needs('¢', /(?<![\w.,])(\d+)\s?¢/g)

function unit(n: string, one: string, many: string): string {
  return `${n} ${n === 'one' ? one : many}`
}

/** Speaks an amount; undefined when there is no number to speak. */
export function speakMoney(cur: Currency, int: string | undefined, frac: string | undefined, scale?: string, negative?: boolean): string | undefined {
  if (!int && !frac) return undefined
  const sign = negative ? 'minus ' : ''
  if (scale) return `${sign}${readNumber(int ?? '', frac)} ${SCALE_WORDS[scale.toLowerCase()]} ${cur.many}`
  const whole = (int ?? '0').replace(/,/g, '')
  // Cents only make sense with one or two decimals; "$1.999" is a plain decimal amount.
  if (frac !== undefined && (frac.length > 2 || !cur.centOne)) return `${sign}${readNumber(int ?? '0', frac)} ${cur.many}`
  const cents = frac === undefined ? 0 : Number(frac.padEnd(2, '0'))
  const main = unit(cardinal(whole), cur.one, cur.many)
  if (cents === 0) return sign + main
  const sub = unit(cardinal(String(cents)), cur.centOne ?? '', cur.centMany ?? '')
  return /^0*$/.test(whole) ? sign + sub : `${sign}${main} and ${sub}`
}

export function readMoney(text: string, digits: boolean): string {
  if (!digits) return text
  return text
    .replace(SYMBOL_FIRST, (m, neg1?: string, sym?: string, neg2?: string, int?: string, frac?: string, s1?: string, s2?: string) =>
      speakMoney(CURRENCIES[sym ?? '$'], int, frac, s1 ?? s2, Boolean(neg1 || neg2)) ?? m,
    )
    .replace(CODE_FIRST, (m, code: string, int?: string, frac?: string, s1?: string, s2?: string) =>
      speakMoney(CURRENCIES[code], int, frac, s1 ?? s2) ?? m,
    )
    .replace(SYMBOL_AFTER, (m, neg?: string, int?: string, frac?: string, sym?: string) =>
      speakMoney(CURRENCIES[sym ?? '$'], int, frac, undefined, Boolean(neg)) ?? m,
    )
    .replace(CENTS_SIGN, (_m, n: string) => unit(cardinal(n), 'cent', 'cents'))
}
