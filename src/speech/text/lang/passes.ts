// Reading rules for Spanish, French, German, Italian, Portuguese and Dutch voices. They rewrite the
// written forms eSpeak NG misreads (thousands separators, "14h30", day-month dates, currency
// symbols, ordinals, phone numbers) into words and plain integers, which it reads right in each of
// these languages; a form none of them knows is left as written for the engine.
import { WORDS, type Code, type Currency, type LanguageWords } from './words.js'

type Pass = (text: string, words: LanguageWords, code: Code) => string

// Thousands grouped by a dot (de, es, it, nl, pt) or a space (fr, and any of them by the SI rule).
const GROUPED = String.raw`\d{1,3}(?:[.\u00A0\u202F ]\d{3})+`
const AMOUNT = String.raw`(?:${GROUPED}|\d+)(?:,\d{1,2})?`
// Not part of a longer number on either side ("192.168.0.1", "1,2,3").
const ALONE_BEFORE = String.raw`(?<![\d.,])`
const ALONE_AFTER = String.raw`(?![\d]|[.,]\d)`

const ungroup = (n: string) => n.replace(/[.\u00A0\u202F ]/g, '')
/** "05" → "0 5" so eSpeak says the zero; a plain number otherwise. */
const withZeros = (digits: string) => digits.replace(/^0+(?=\d)/, (zeros) => '0 '.repeat(zeros.length))
const digitByDigit = (digits: string) => digits.split('').join(' ')

// --- Dates: day before month, as all six languages write them ---------------------------------------

const DATE = new RegExp(String.raw`(?<![\d.,/-])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\d]|[./-]\d)`, 'g')
const DE_NOMINATIVE = /\b(?:der|die|das)\s*$/i

function dayWord(day: number, code: Code, before: string, words: LanguageWords): string {
  if (code === 'de') {
    const dative = words.ordinals![day]
    return DE_NOMINATIVE.test(before) ? dative.slice(0, -1) : dative
  }
  if (day !== 1) return String(day)
  return { es: '1', fr: 'premier', it: 'primo', pt: 'primeiro', nl: '1' }[code]
}

function writeDate(day: number, month: number, year: string, code: Code, before: string, words: LanguageWords): string {
  const d = dayWord(day, code, before, words)
  const m = words.months[month]
  return code === 'es' || code === 'pt' ? `${d} de ${m} de ${year}` : `${d} ${m} ${year}`
}

const readDates: Pass = (text, words, code) =>
  text.replace(DATE, (m, d: string, _sep, mo: string, y: string, offset: number, all: string) => {
    const day = Number(d)
    const month = Number(mo)
    if (day < 1 || day > 31 || month < 1 || month > 12) return m
    const year = y.length === 4 ? y : `${Number(y) < 50 ? 20 : 19}${y}`
    return writeDate(day, month, year, code, all.slice(Math.max(0, offset - 8), offset), words)
  })

// --- Phone numbers: "+33 6 12 34 56 78", "06 12 34 56 78", "030 1234567", "0612345678" -------------

const PHONE = /(?<![\w.,+])(\+\s?)?\d+(?:[ .-]\d+)*(?![\w]|[.,]\d)/g

/** French reads a phone number in pairs ("zéro six, douze, trente-quatre"); the others digit by digit. */
function readGroup(group: string, code: Code): string {
  if (code === 'fr' && group.length === 2 && group[0] !== '0') return group
  return digitByDigit(group)
}

const readPhones: Pass = (text, words, code) =>
  text.replace(PHONE, (m, plus: string | undefined) => {
    const digits = m.replace(/\D/g, '')
    if (digits.length < 8 || digits.length > 15 || !(plus || m.startsWith('0'))) return m
    const groups = m.replace(/^\+\s?/, '').split(/[ .-]/)
    const spoken = groups.map((g) => readGroup(g, code)).join(', ')
    return plus ? `${words.plus} ${spoken}` : spoken
  })

// --- Times: "14h30", "14:30", "14.30 Uhr" -------------------------------------------------------

const TIME = /(?<![\d.,:])([01]?\d|2[0-3])(?:h([0-5]\d)?(?!\p{L})|:([0-5]\d)(?!:?\d)|\.([0-5]\d) ?(?:Uhr|uur|h)(?!\p{L}))(?: ?(?:Uhr|uur))?/gu

// eSpeak reads "9 heures" without the liaison ("neuf" as [nœf], not [nœv]) and "21 heures" as
// masculine "vingt et un"; written as words it says both right.
const FR_HOURS: Record<number, string> = { 1: 'une heure', 9: 'neuf heures', 19: 'dix-neuf heures', 21: 'vingt-et-une heures' }

function writeTime(h: number, min: number, code: Code): string {
  switch (code) {
    case 'fr':
      return `${FR_HOURS[h] ?? `${h} heures`}${min ? ` ${min}` : ''}`
    case 'de':
      return `${h === 1 ? 'ein' : h} Uhr${min ? ` ${min}` : ''}`
    case 'nl':
      return `${h} uur${min ? ` ${min}` : ''}`
    case 'es':
      return min ? `${h} y ${min}` : h === 1 ? 'una' : `${h} horas`
    case 'pt':
      return min ? `${h} e ${min}` : `${h === 1 ? 'uma hora' : `${h} horas`}`
    case 'it':
      return min ? `${h} e ${min}` : String(h)
  }
}

const readTimes: Pass = (text, _words, code) =>
  text.replace(TIME, (_m, h: string, ...mins: (string | undefined)[]) =>
    writeTime(Number(h), Number(mins.slice(0, 3).find((x) => x !== undefined) ?? 0), code),
  )

// --- Money: "12,50 €", "€12", "1.234,56 Euro" ----------------------------------------------------

function writeMoney(amount: string, currency: Currency, words: LanguageWords): string {
  const c = words.currencies[currency]
  const [whole, fraction = ''] = amount.split(',')
  const units = Number(ungroup(whole))
  const cents = fraction ? Number(fraction.padEnd(2, '0')) : 0
  if (units === 0 && cents > 0) return `${cents} ${c.cents}`
  const main = units === 1 ? `${c.unit} ${c.one}` : `${ungroup(whole)} ${c.many}`
  if (!cents) return main
  return [main, words.centsJoin, cents].filter(Boolean).join(' ')
}

const escape = (s: string) => s.replace(/[$]/g, '\\$&')
const SYMBOL_BEFORE = new RegExp(String.raw`([€$£]) ?(${AMOUNT})${ALONE_AFTER}`, 'g')
const SYMBOL_AFTER = new RegExp(String.raw`${ALONE_BEFORE}(${AMOUNT}) ?([€$£])`, 'g')

const writtenCurrency = new Map<Code, RegExp>()
function writtenPattern(code: Code, words: LanguageWords): RegExp {
  let re = writtenCurrency.get(code)
  if (!re) {
    const names = Object.values(words.currencies).flatMap((c) => c.written.map(escape))
    re = new RegExp(String.raw`${ALONE_BEFORE}(${AMOUNT}) (${names.join('|')})(?!\p{L})`, 'gu')
    writtenCurrency.set(code, re)
  }
  return re
}

function currencyNamed(name: string, words: LanguageWords): Currency {
  const entry = Object.entries(words.currencies).find(([, c]) => c.written.includes(name))
  return entry![0] as Currency
}

const readMoney: Pass = (text, words, code) =>
  text
    .replace(SYMBOL_BEFORE, (_m, cur: Currency, amount: string) => writeMoney(amount, cur, words))
    .replace(SYMBOL_AFTER, (_m, amount: string, cur: Currency) => writeMoney(amount, cur, words))
    .replace(writtenPattern(code, words), (_m, amount: string, name: string) =>
      writeMoney(amount, currencyNamed(name, words), words),
    )

// --- Percentages and ordinals ------------------------------------------------------------------

const readPercent: Pass = (text, words) => text.replace(/(?<=\d) ?%/g, ` ${words.percent}`)

const FR_ORDINAL = /(?<![\w.,])(\d{1,3})(ère|re|ʳᵉ|er|ᵉʳ|nde|nd|ème|eme|e|ᵉ)(?!\p{L})/gu
const FR_FEMININE = new Set(['re', 'ère', 'ʳᵉ'])
const NL_ORDINAL = /(?<![\w.,])(\d{1,3})(ste|de|e)(?!\p{L})/gu
// German "1." is an ordinal before a month or after an article or preposition; otherwise it may
// end a sentence, and is left alone.
const DE_ORDINAL = /(?<![\d.,])(\d{1,2})\.(?= \p{L})/gu
const DE_BEFORE_ORDINAL = /\b(?:am|im|vom|zum|zur|beim|bis|der|die|das|den|dem|des) $/i
// The word that starts where lastIndex is set: read in place, not by splitting the rest of the text.
const WORD_AT = /\p{L}*/uy
const ROMANCE_ORDINAL = /(?<![\w.,])(\d+)\.?([ºª])/g

function readOrdinal(n: number, ordinals: string[], fallback: string): string {
  return ordinals[n] ?? fallback
}

const readOrdinals: Pass = (text, words, code) => {
  switch (code) {
    case 'fr':
      return text.replace(FR_ORDINAL, (m, n: string, suffix: string) => {
        const num = Number(n)
        if (num === 1) return FR_FEMININE.has(suffix) ? 'première' : 'premier'
        if (num === 2 && suffix.startsWith('nd')) return suffix === 'nde' ? 'seconde' : 'second'
        return readOrdinal(num, words.ordinals!, `${n}ème`)
      })
    case 'nl':
      return text.replace(NL_ORDINAL, (m, n: string) => readOrdinal(Number(n), words.ordinals!, m))
    case 'de':
      return text.replace(DE_ORDINAL, (m, n: string, offset: number, all: string) => {
        const before = all.slice(Math.max(0, offset - 8), offset)
        WORD_AT.lastIndex = offset + m.length + 1
        const after = WORD_AT.exec(all)?.[0] ?? ''
        if (!DE_BEFORE_ORDINAL.test(before) && !words.months.includes(after)) return m
        return words.ordinals![Number(n)] ? dayWord(Number(n), code, before, words) : m
      })
    case 'es':
      // "1er piso", "3er lugar": the shortened forms before a noun.
      return text
        .replace(ROMANCE_ORDINAL, '$1$2')
        .replace(/(?<![\w.,])([13])er(?!\p{L})/gu, (_m, n: string) => (n === '1' ? 'primer' : 'tercer'))
    default:
      return text.replace(ROMANCE_ORDINAL, '$1$2')
  }
}

// --- What is left: grouped and decimal numbers --------------------------------------------------

const NUMBER = new RegExp(`${ALONE_BEFORE}(${GROUPED}|\\d+)(?:,(\\d+))?${ALONE_AFTER}`, 'g')

const readNumbers: Pass = (text, words) =>
  text.replace(NUMBER, (_m, whole: string, fraction: string | undefined) => {
    if (fraction === undefined) return ungroup(whole)
    return `${ungroup(whole)} ${words.comma} ${fraction.length <= 2 ? withZeros(fraction) : digitByDigit(fraction)}`
  })

// Dates before phone numbers ("03.04.2024" has a phone's digits); times and money before the plain
// numbers they hold; grouped numbers last, once every form that groups digits its own way is read.
const PASSES: Pass[] = [readDates, readPhones, readTimes, readMoney, readPercent, readOrdinals, readNumbers]

/** The languages with reading rules of their own besides English. */
export function isRuledLanguage(code: string): code is Code {
  return code in WORDS
}

export function readInLanguage(text: string, code: Code): string {
  const words = WORDS[code]
  return PASSES.reduce((out, pass) => pass(out, words, code), text)
}
