// The pronunciation lexicon: brand, street and drug names said as an operator wants, by every
// voice of a language. Whole words, case-insensitive. An alias replaces the word before reading
// (so "St. John's Wort" can be read as any text is); a phoneme replaces the read word with its IPA
// (reading would not keep the marks around it), for the engines that speak IPA. One object per
// instance, its entries replaced in place when they change, so everything that holds it reads
// with the current entries.
import type { VoiceInfo } from './engine.js'
import { IPA_CLOSE, IPA_OPEN, PHONEME_ENGINES, toIpa } from './ssml/phonemes.js'

/** `phoneme` is IPA; `language` and `grapheme` are as `lexiconKey` gives them. */
export type LexiconEntry = { language: string; grapheme: string } & ({ alias: string } | { phoneme: string })

/** An entry that cannot be used, and why. */
export class LexiconInputError extends Error {}

/** How an entry is keyed: the tag and the word lower-cased, the word's spaces collapsed. */
export function lexiconKey(language: string, grapheme: string): { language: string; grapheme: string } {
  return { language: language.toLowerCase(), grapheme: grapheme.trim().replace(/\s+/g, ' ').toLowerCase() }
}

/** An entry from what a client or a PLS file gives; throws LexiconInputError. */
export function lexiconEntry(language: string, grapheme: string, say: { alias: string } | { phoneme: string; alphabet?: string }): LexiconEntry {
  const key = lexiconKey(language, grapheme)
  if (!/[\p{L}\p{N}]/u.test(key.grapheme)) throw new LexiconInputError(`"${grapheme}" has no letter or digit to match`)
  if ('alias' in say) {
    if (!say.alias.trim()) throw new LexiconInputError(`the alias for "${grapheme}" is empty`)
    return { ...key, alias: say.alias.trim() }
  }
  const ipa = toIpa(say.phoneme, say.alphabet)
  if (ipa === undefined) throw new LexiconInputError(`alphabet "${say.alphabet}" is not ipa or x-sampa`)
  if (!ipa.trim()) throw new LexiconInputError(`the phoneme for "${grapheme}" is empty`)
  return { ...key, phoneme: ipa }
}

interface Compiled {
  pattern: RegExp
  /** Lower-cased word → what replaces it. */
  words: Map<string, string>
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function compile(entries: LexiconEntry[], kind: 'alias' | 'phoneme'): Compiled | null {
  const words = new Map<string, string>()
  for (const e of entries) {
    if (kind === 'alias' && 'alias' in e) words.set(e.grapheme, e.alias)
    if (kind === 'phoneme' && 'phoneme' in e) words.set(e.grapheme, `${IPA_OPEN}${e.phoneme.replace(/\s+/g, '')}${IPA_CLOSE}`)
  }
  // Entries come ordered by language tag, so a region's own entry ('en-gb') wins over the language's ('en').
  if (words.size === 0) return null
  // Longest first, so "New York Pizza" wins over "New York"; spaces in an entry match any whitespace.
  const alternatives = [...words.keys()].sort((a, b) => b.length - a.length).map((w) => escape(w).replace(/ /g, '\\s+'))
  return { pattern: new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'giu'), words }
}

const apply = (text: string, c: Compiled | null) => (c ? text.replace(c.pattern, (m) => c.words.get(m.toLowerCase().replace(/\s+/g, ' ')) ?? m) : text)

/** Whether an entry for `tag` applies to a voice of `language`: the same tag, or a prefix of it. */
const appliesTo = (tag: string, language: string) => language === tag || language.startsWith(`${tag}-`)

export class Lexicon {
  private entries: LexiconEntry[] = []
  /** Per voice language, compiled on first use. */
  private readonly compiled = new Map<string, { alias: Compiled | null; phoneme: Compiled | null }>()

  constructor(entries: LexiconEntry[] = []) {
    this.replace(entries)
  }

  get size(): number {
    return this.entries.length
  }

  replace(entries: LexiconEntry[]): void {
    this.entries = entries
    this.compiled.clear()
  }

  /** `text` with the aliases for `voice`'s language in place of their words. */
  aliases(text: string, voice: VoiceInfo): string {
    return apply(text, this.forLanguage(voice.language).alias)
  }

  /** Read words with the IPA of the entries for `voice`'s language, where its engine speaks IPA. */
  phonemes(spoken: string, voice: VoiceInfo): string {
    return PHONEME_ENGINES.has(voice.engine) ? apply(spoken, this.forLanguage(voice.language).phoneme) : spoken
  }

  private forLanguage(language: string) {
    const key = language.toLowerCase()
    let c = this.compiled.get(key)
    if (!c) {
      const own = this.entries.filter((e) => appliesTo(e.language, key))
      c = { alias: compile(own, 'alias'), phoneme: compile(own, 'phoneme') }
      this.compiled.set(key, c)
    }
    return c
  }
}
