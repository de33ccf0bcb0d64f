// W3C Pronunciation Lexicon Specification (PLS 1.0) files → lexicon entries: each lexeme's
// graphemes, said as its first alias or phoneme. Parsed as SSML is (no DTD, no entities), with caps
// sized for a lexicon rather than a prompt.
import { parseXml, SsmlError, textOf, type SsmlElement } from './ssml/parse.js'
import { lexiconEntry, type LexiconEntry } from './lexicon.js'

const PLS_LIMITS = { depth: 8, elements: 200_000 }

/** The entries of a PLS document; `language` overrides its `xml:lang`. Throws SsmlError or LexiconInputError. */
export function readPls(text: string, language?: string): LexiconEntry[] {
  const root = parseXml(text, 'lexicon', PLS_LIMITS)
  const lang = language ?? root.attributes['xml:lang']
  if (!lang) throw new SsmlError('the lexicon has no xml:lang (or give --language)', root.line, root.column)
  const alphabet = root.attributes.alphabet
  const entries: LexiconEntry[] = []
  for (const lexeme of elements(root, 'lexeme')) {
    const say = elements(lexeme).find((e) => e.name === 'alias' || e.name === 'phoneme')
    if (!say) throw new SsmlError('a lexeme needs an alias or a phoneme', lexeme.line, lexeme.column)
    const how = say.name === 'alias' ? { alias: textOf(say) } : { phoneme: textOf(say), alphabet: say.attributes.alphabet ?? alphabet }
    for (const grapheme of elements(lexeme, 'grapheme')) entries.push(lexiconEntry(lang, textOf(grapheme), how))
  }
  return entries
}

const elements = (el: SsmlElement, name?: string) => el.children.filter((c): c is SsmlElement => c.kind === 'element' && (name === undefined || c.name === name))
