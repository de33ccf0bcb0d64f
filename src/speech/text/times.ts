// Clock times: "3:30 pm" → "three thirty P M", "15:45" → "fifteen forty-five", "9:05" → "nine oh five",
// "12:00" → "twelve o'clock". "P M" is capitalized and spaced on purpose: Flite spells single capitals
// ("pee em"), while "a m" would be read as the article "uh" and "AM" is dropped as a word.

import { startsNewSentence } from './sentence-end.js'
import { cardinal, digitByDigit } from './numbers.js'
import { needs } from './needs.js'

// "am", "a.m.", "AM", "A.M." (the final period is captured so a sentence end can keep it).
const MERIDIEM = String.raw`([aApP])(?:\.[mM](\.)?|[mM]\b)`
const CLOCK = needs(':', new RegExp(String.raw`(?<![\d:.,])(\d{1,2}):(\d\d)(?::(\d\d))?(?:\s?${MERIDIEM})?(?![\d:]|[.,]\d)`, 'g'))
const HOUR_MERIDIEM = needs(/\d\s?[aApP]/, new RegExp(String.raw`(?<![\w:.,])(\d{1,2})\s?${MERIDIEM}`, 'g'))
// "9am-5pm", "10:30-11:30", "9-5pm": a span of clock times reads "to" between them. At least one
// side must be a clock time (a colon or am/pm), or "9-5" would be taken for one.
const TIME = String.raw`\d{1,2}(?::\d\d)?(?:\s?[aApP]\.?[mM]\.?)?`
const TIME_RANGE = needs(['-', '–'], new RegExp(String.raw`(?<![\w:.,])(${TIME})\s?[-–]\s?(?=(${TIME})(?![\w:]|[.,]\d))`, 'g'))
const CLOCKISH = /:|[aApP]\.?[mM]/
// A time followed by a day ("5pm Mon-Fri") gets a pause before the day.
const DAY_NEXT = /^\s+(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)/

// Left over after clocks: "3:1", "16:9" are ratios.
const RATIO = needs(':', /(?<![\w:.,])(\d+):(\d+)(?![\w:]|[.,]\d)/g)

function minutesWords(min: number): string {
  return min < 10 ? `oh ${digitByDigit(String(min))}` : cardinal(String(min))
}

function meridiemWords(letter: string, dot: string | undefined, text: string, end: number): string {
  const words = letter.toLowerCase() === 'a' ? 'A M' : 'P M'
  if (DAY_NEXT.test(text.slice(end, end + 6))) return `${words},`
  return dot && startsNewSentence(text, end) ? words + '.' : words
}

export function readTimes(text: string, digits: boolean): string {
  if (!digits) return text
  return text
    .replace(TIME_RANGE, (m, from: string, to: string) => (CLOCKISH.test(from) || CLOCKISH.test(to) ? `${from} to ` : m))
    .replace(CLOCK, (m, h: string, mi: string, s: string | undefined, ap: string | undefined, dot: string | undefined, offset: number, all: string) => {
      const hour = Number(h)
      const min = Number(mi)
      if (min > 59 || (s !== undefined && Number(s) > 59)) return m
      if (ap ? hour < 1 || hour > 12 : hour > 23) return m
      let words: string
      if (min > 0) words = `${cardinal(String(hour))} ${minutesWords(min)}`
      else if (ap) words = cardinal(String(hour))
      else if (hour === 0) words = 'midnight'
      else words = hour > 12 ? `${cardinal(String(hour))} hundred` : `${cardinal(String(hour))} o'clock`
      if (s !== undefined && Number(s) > 0) words += ` and ${cardinal(s)} second${Number(s) === 1 ? '' : 's'}`
      return ap ? `${words} ${meridiemWords(ap, dot, all, offset + m.length)}` : words
    })
    .replace(HOUR_MERIDIEM, (m, h: string, ap: string, dot: string | undefined, offset: number, all: string) => {
      const hour = Number(h)
      if (hour < 1 || hour > 12) return m
      return `${cardinal(h)} ${meridiemWords(ap, dot, all, offset + m.length)}`
    })
    .replace(RATIO, (_m, a: string, b: string) => `${cardinal(a)} to ${cardinal(b)}`)
}
