// Text → phoneme ids exactly as Piper's own phonemizer (piper-phonemize) builds them, because a
// voice was trained on that layout and sounds wrong on any other:
//  - eSpeak's IPA clause by clause, with the clause's punctuation put back (`.?!` end a sentence;
//    `,:;` are followed by a space), code points decomposed (NFD), `(en)` language flags dropped;
//  - each sentence becomes `^ _ p1 _ p2 _ … pn _ $`: BOS, the pad after BOS and after every
//    phoneme, EOS. Phonemes missing from the voice's map are skipped, as Piper skips them.
import { BOS, EOS, PAD } from './config.js'
import { IPA_CLOSE, IPA_OPEN } from '../ssml/phonemes.js'

/** IPA of one clause from eSpeak NG; clauses eSpeak finds inside it may come back on several lines. */
export type Phonemize = (clause: string) => string

/** Clause punctuation, kept as a separator when split; a point inside `3.5` is not one. */
const CLAUSE_END = /([.?!,:;]+)(?=\s|$)/

/** Sentences of phonemes (one code point each) for a text in an eSpeak-phonemized voice. */
export function espeakPhonemes(text: string, phonemize: Phonemize): string[][] {
  const sentences: string[][] = []
  let current: string[] = []
  const parts = text.split(CLAUSE_END)
  for (let i = 0; i < parts.length; i += 2) {
    const words = parts[i]
    const punctuation = parts[i + 1] ?? ''
    const ipa = words.trim() ? withGivenIpa(words.trim(), phonemize) : ''
    current.push(...codePoints(ipa))
    const mark = punctuation.at(-1) ?? ''
    if (mark === '.' || mark === '?' || mark === '!') {
      current.push(mark)
      sentences.push(current)
      current = []
    } else if (mark) {
      current.push(mark, ' ')
    }
  }
  if (current.some((p) => p !== ' ')) sentences.push(current)
  return sentences.filter((s) => s.some((p) => /\p{L}/u.test(p)))
}

const GIVEN = new RegExp(`${IPA_OPEN}([^${IPA_CLOSE}]*)${IPA_CLOSE}`)

/** eSpeak's IPA of the words, and IPA an SSML phoneme gave, as it was given, in their place. */
function withGivenIpa(words: string, phonemize: Phonemize): string {
  const parts = words.split(GIVEN)
  const read = (text: string) => (text.trim() ? phonemize(text.trim()).replace(/\([^)]*\)/g, '').split(/\s*\n\s*/).filter(Boolean).join(' ') : '')
  return parts.map((part, i) => (i % 2 ? part : read(part))).filter(Boolean).join(' ')
}

/** Phonemes of a `text`-type voice: the text itself, lower-cased and decomposed, as one sentence. */
export function textPhonemes(text: string): string[][] {
  const phonemes = codePoints(text.toLowerCase().trim())
  return phonemes.length ? [phonemes] : []
}

const codePoints = (s: string) => Array.from(s.normalize('NFD'))

export function phonemeIds(phonemes: string[], map: Map<string, number[]>): number[] {
  const pad = map.get(PAD)!
  const ids = [...map.get(BOS)!, ...pad]
  for (const phoneme of phonemes) {
    const mapped = map.get(phoneme)
    if (!mapped) continue
    ids.push(...mapped, ...pad)
  }
  ids.push(...map.get(EOS)!)
  return ids
}
