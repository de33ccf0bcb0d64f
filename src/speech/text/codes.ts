// Numbers that are codes, not amounts: a caller must be able to key them in or write them down, so
// they are read digit by digit ("confirmation number is 48213" → "four eight two one three"), as
// are ZIP codes, order numbers and the three-digit service numbers ("911" → "nine one one").

import { digitByDigit } from './numbers.js'
import { needs } from './needs.js'

const STATES =
  'AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR'
// "Austin, TX 78701", "TX 78701-1234", "ZIP 78701", "zip code: 78701".
const ZIP = needs(/\d{5}/, new RegExp(String.raw`\b(${STATES}|ZIP|[Zz]ip(?: [Cc]ode)?:?) (\d{5})(?:-(\d{4}))?(?![\w]|[.,]\d)`, 'g'))

// A number right after the word that names it as a code: "code 4271", "PIN: 0042", "account
// number is 48213", "ticket # 5512". Linking words ("is", "number", ":") may come between.
// ("order" only as "order number": "order 1500 units" is an amount.)
const CODE_WORDS = String.raw`code|codes|PIN|pin|confirmation|account|reference|ref|ticket|tracking|ID|id|invoice|claim|policy|member|order(?=\s*(?:number|no\.|#))`
const LINK = String.raw`(?:\s*(?::|#|is|was|number|no\.|num\.?))*`
const CODE = needs(/\d{3}/, new RegExp(String.raw`\b(${CODE_WORDS})\b(${LINK})\s*(\d{3,})(?![\w]|[.,]\d)`, 'g'))

// "#A12-345", "#48213": an order or reference number written with a hash. Short plain numbers
// ("#5", "room #12") stay numbers; one with letters, a hyphen or five digits or more is a code.
const HASH_CODE = needs('#', /#\s?([A-Za-z]*\d[A-Za-z\d]*(?:-[A-Za-z\d]+)*)(?![\w-])/g)

// Service numbers: 911 always; 211-811 when dialled ("call 411").
const EMERGENCY = needs('911', /(?<![\w.,$£€-])911(?![\w]|[.,]\d)/g)
const SERVICE = needs('11', /\b(call|dial|text|press|try)( )([2-8]11)(?![\w]|[.,]\d)/gi)

/** "A12-345" → "A one two, three four five": letters one by one, digits one by one, a pause at each hyphen. */
export function spellCode(code: string): string {
  return code
    .split('-')
    .map((part) =>
      (part.match(/\d+|\p{L}+/gu) ?? [])
        .map((run) => (/\d/.test(run) ? digitByDigit(run) : run.length <= 3 ? run.toUpperCase().split('').join(' ') : run))
        .join(' '),
    )
    .join(', ')
}

export function readCodes(text: string, digits: boolean): string {
  if (!digits) return text
  return text
    .replace(ZIP, (_m, before: string, five: string, four?: string) => `${before} ${digitByDigit(five)}${four ? `, ${digitByDigit(four)}` : ''}`)
    .replace(CODE, (_m, word: string, link: string, digits: string) => `${word}${link.replace(/#/g, 'number')} ${digitByDigit(digits)}`)
    .replace(HASH_CODE, (m, code: string) => (/^\d{1,4}$/.test(code) ? m : ` number ${spellCode(code)}`))
    .replace(EMERGENCY, 'nine one one')
    .replace(SERVICE, (_m, verb: string, space: string, n: string) => `${verb}${space}${digitByDigit(n)}`)
}
