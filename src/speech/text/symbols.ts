// Symbols a voice would skip or name badly. Addresses, money, percentages and temperatures are read
// before this runs, so what is left here is free-standing.

import { needs } from './needs.js'

const CURRENCY_WORDS: Record<string, string> = { $: 'dollars', '€': 'euros', '£': 'pounds', '¥': 'yen', '₹': 'rupees' }
const SIMPLE: Record<string, string> = {
  '&': 'and', '=': 'equals', '+': 'plus', '×': 'times', '÷': 'divided by', '±': 'plus or minus',
  '≈': 'approximately', '≤': 'less than or equal to', '≥': 'greater than or equal to', '≠': 'not equal to',
  '%': 'percent', '°': 'degrees', '§': 'section', '@': 'at',
}

// What this pass reads: nothing in most text, where it is done with one look.
const ANY = /[#*™®©$€£¥₹&=+×÷±≈≤≥≠%°§@]| x /
const SHARP = needs('#', /\b([A-G])#(?!\w)/g)
const TIMES = needs(['*', ' x '], /(?<=\d)(?:\s?\*\s?| x )(?=\d)/g)
const STAR = needs('*', /(?<=^|\s)\*(?=$|[\s.,;:!?])/g)
const MARK_IN_WORD = needs(/[*™®]/, /(?<=\p{L})[*™®]+(?=\p{L})/gu)

export function readSymbols(text: string): string {
  if (!ANY.test(text)) return text
  return text
    .replace(SHARP, '$1 sharp') // C#, F#
    .replace(/#(?=\s?\d)/g, ' number ')
    .replace(/#(?=\p{L})/gu, ' hashtag ')
    .replace(/#/g, ' pound ') // the phone key: "press # to confirm"
    .replace(TIMES, ' times ')
    .replace(STAR, 'star') // the phone key: "press * to go back"
    // Markdown emphasis, footnote marks, trademarks: dropped, but as a space between letters so that
    // "J*r" does not become "Jr", which a second normalize would read as "Junior".
    .replace(MARK_IN_WORD, ' ')
    .replace(/[*™®]/g, '')
    .replace(/©/g, ' copyright ')
    .replace(/[$€£¥₹]/g, (c) => ` ${CURRENCY_WORDS[c]} `)
    .replace(/[&=+×÷±≈≤≥≠%°§@]/g, (c) => ` ${SIMPLE[c]} `)
}

/**
 * Slashes between words: "yes/no" → "yes or no". Runs after numbers are read, so that words which
 * that pass creates ("zeroth/minus") are seen here too and a second normalize finds nothing to do.
 */
export function readSlashes(text: string): string {
  if (!text.includes('/')) return text
  return text
    .replace(/\band\/or\b/g, 'and or')
    .replace(/\bw\/o\b/g, 'without')
    .replace(/\bw\/(?=\s)/g, 'with')
    .replace(/\b(\p{Ll}{2,})\/(?=\p{Ll}{2,}\b)/gu, '$1 or ')
}
