// Abbreviations a voice would otherwise spell out or swallow. Runs before numbers are read, so the
// "12" in "12 Oak Dr." is still a digit when "Dr." decides between Doctor and Drive.

import { startsNewSentence } from './sentence-end.js'
import { needs } from './needs.js'

/**
 * `before`: leads into what follows (a title, "e.g."), so its period never ends a sentence.
 * `after`: closes a phrase ("Jr.", "etc.", "Ave."), so its period may also end the sentence.
 * `dotless`: also expanded without the period ("vs"); `needsName`: then only before a capitalized word ("Mr Smith").
 */
interface Abbreviation { words: string; role: 'before' | 'after'; dotless?: boolean; needsName?: boolean }

const TABLE: Record<string, Abbreviation> = {
  Mr: { words: 'Mister', role: 'before', dotless: true, needsName: true },
  Mrs: { words: 'Missus', role: 'before', dotless: true, needsName: true },
  Ms: { words: 'Miz', role: 'before', dotless: true, needsName: true },
  Prof: { words: 'Professor', role: 'before' },
  Mt: { words: 'Mount', role: 'before' },
  Ft: { words: 'Fort', role: 'before' },
  Sgt: { words: 'Sergeant', role: 'before' },
  Capt: { words: 'Captain', role: 'before' },
  Rev: { words: 'Reverend', role: 'before' },
  Apt: { words: 'apartment', role: 'before' },
  Ste: { words: 'Suite', role: 'before' },
  approx: { words: 'approximately', role: 'before' },
  vs: { words: 'versus', role: 'before', dotless: true },
  'e.g': { words: 'for example', role: 'before' },
  'i.e': { words: 'that is', role: 'before' },
  cf: { words: 'compare', role: 'before' },
  Jr: { words: 'Junior', role: 'after', dotless: true },
  Sr: { words: 'Senior', role: 'after', dotless: true },
  etc: { words: 'et cetera', role: 'after', dotless: true },
  Ave: { words: 'Avenue', role: 'after', dotless: true },
  Blvd: { words: 'Boulevard', role: 'after', dotless: true },
  Rd: { words: 'Road', role: 'after' },
  Ln: { words: 'Lane', role: 'after' },
  Hwy: { words: 'Highway', role: 'after' },
  Inc: { words: 'Incorporated', role: 'after' },
  Ltd: { words: 'Limited', role: 'after' },
  Corp: { words: 'Corporation', role: 'after' },
  Dept: { words: 'Department', role: 'after' },
  Co: { words: 'Company', role: 'after' },
  pg: { words: 'page', role: 'before' },
  pp: { words: 'pages', role: 'before' },
  tbsp: { words: 'tablespoon', role: 'after', dotless: true },
  Tbsp: { words: 'tablespoon', role: 'after', dotless: true },
  tsp: { words: 'teaspoon', role: 'after', dotless: true },
  // Weekdays. "Sat" and "Sun" are also words, so only with their period (or in a range, below).
  Mon: { words: 'Monday', role: 'after', dotless: true },
  Tue: { words: 'Tuesday', role: 'after', dotless: true },
  Tues: { words: 'Tuesday', role: 'after', dotless: true },
  Wed: { words: 'Wednesday', role: 'after', dotless: true },
  Thu: { words: 'Thursday', role: 'after', dotless: true },
  Thur: { words: 'Thursday', role: 'after', dotless: true },
  Thurs: { words: 'Thursday', role: 'after', dotless: true },
  Fri: { words: 'Friday', role: 'after', dotless: true },
  Sat: { words: 'Saturday', role: 'after' },
  Sun: { words: 'Sunday', role: 'after' },
  'a.m': { words: 'A M', role: 'after' },
  'p.m': { words: 'P M', role: 'after' },
}
// Sentence-initial capitals of the lowercase ones ("E.g., ..."), and lowercase "dept.".
for (const key of ['approx', 'vs', 'e.g', 'i.e', 'cf', 'etc', 'dept', 'a.m', 'p.m']) {
  const base = TABLE[key] ?? TABLE[key[0].toUpperCase() + key.slice(1)]
  TABLE[key[0].toUpperCase() + key.slice(1)] = base
  TABLE[key] = base
}
TABLE['A.M'] = TABLE['a.m']
TABLE['P.M'] = TABLE['p.m']

const KEYS = [...Object.keys(TABLE), 'Dr', 'St', 'No', 'no']
  .sort((a, b) => b.length - a.length)
  .map((k) => k.replace(/\./g, '\\.'))
// A digit may touch it ("0Dr.", "vs0"): the number pass will split it off, and a second normalize
// must then find nothing left to expand.
// Looked for first as a key after any character but an ASCII letter, "_" or ".", and before a
// period or anything but a letter: far quicker to rule out than the lookarounds, and true wherever
// they are.
const ABBREVIATION = needs(
  new RegExp(String.raw`(?:^|[^A-Za-z_.])(?:${KEYS.join('|')})(?:\.|[^\p{L}_]|$)`, 'u'),
  new RegExp(String.raw`(?<![\p{L}_.])(${KEYS.join('|')})(\.)?(?![\p{L}_]|\.\p{L})`, 'gu'),
)

const CAPITALIZED = /^\p{Lu}/u
const NUMBERISH = /^#?\d/

/** The word before `offset` and the one before that, unless a line or clause break comes between. */
function wordsBefore(text: string, offset: number): [string | undefined, string | undefined] {
  const window = text.slice(Math.max(0, offset - 60), offset)
  if (/\n\s*$/.test(window)) return [undefined, undefined]
  const words = window.split(/\s+/).filter(Boolean)
  const prev = words.at(-1)
  if (prev === undefined || /[.,;:!?]$/.test(prev)) return [undefined, undefined]
  const prevprev = words.at(-2)
  return [prev, prevprev && !/[.,;:!?]$/.test(prevprev) ? prevprev : undefined]
}

function wordAfter(text: string, index: number): string | undefined {
  return /^[ \t]+(\S+)/.exec(text.slice(index, index + 40))?.[1]
}

/** "Dr."/"St.": a title before a name, a street after a name or number ("12 Oak Dr.", "Main St."). */
function isStreet(text: string, offset: number, end: number): boolean {
  const [prev, prevprev] = wordsBefore(text, offset)
  if (!prev || !(NUMBERISH.test(prev) || CAPITALIZED.test(prev))) return false
  const next = wordAfter(text, end)
  if (!next || !CAPITALIZED.test(next) || NUMBERISH.test(prev)) return true
  // Both neighbours capitalized: "Main St. Then" is a street when "Main" is not the clause's first
  // word; "Call Dr. Smith" / "Visit St. Louis" start with a capitalized verb and take the title.
  return prevprev !== undefined
}

const DAY = String.raw`(Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)`
// "Mon-Fri", "Sat–Sun": a span of days, said with "to".
const DAY_RANGE = needs(new RegExp(String.raw`[-–]\s?${DAY}`), new RegExp(String.raw`\b${DAY}\.?\s?[-–]\s?${DAY}\b`, 'g'))
// A school or a rank, not the end of a name: "Jr. High" is one phrase, no sentence break inside.
const JUNIOR_HIGH = needs('High', /\b(Jr|Sr)\. (?=High\b)/g)

export function readAbbreviations(text: string): string {
  return text
    .replace(DAY_RANGE, (_m, from: string, to: string) => `${TABLE[from].words} to ${TABLE[to].words}`)
    .replace(JUNIOR_HIGH, (_m, key: string) => `${TABLE[key].words} `)
    .replace(ABBREVIATION, (m, key: string, dot: string | undefined, offset: number, all: string) => {
    const end = offset + m.length
    const keepPeriod = (words: string) => (dot && startsNewSentence(all, end) ? words + '.' : words)
    if (key === 'Dr' || key === 'St') {
      if (isStreet(all, offset, end)) return keepPeriod(key === 'Dr' ? 'Drive' : 'Street')
      // A dotless "Dr"/"St" is only a title when a name follows.
      if (!dot && !CAPITALIZED.test(wordAfter(all, end) ?? '')) return m
      return key === 'Dr' ? 'Doctor' : 'Saint'
    }
    if (key === 'No' || key === 'no') return dot && /^ ?\d/.test(all.slice(end, end + 2)) ? (key === 'No' ? 'Number' : 'number') : m
    const abbr = TABLE[key]
    if (!dot && !abbr.dotless) return m
    if (!dot && abbr.needsName && !CAPITALIZED.test(wordAfter(all, end) ?? '')) return m
    return abbr.role === 'after' ? keepPeriod(abbr.words) : abbr.words
  })
}
