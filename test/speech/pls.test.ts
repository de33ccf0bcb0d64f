// W3C PLS files as the lexicon reads them (examples after the PLS 1.0 recommendation's).
import { describe, expect, it } from 'vitest'
import { readPls } from '../../src/speech/pls.js'
import { SsmlError } from '../../src/speech/ssml/parse.js'

const PLS = `<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
      alphabet="ipa" xml:lang="en-US">
  <lexeme>
    <grapheme>Newton</grapheme>
    <phoneme>ˈnjuːtən</phoneme>
  </lexeme>
  <lexeme>
    <grapheme>W3C</grapheme>
    <alias>World Wide Web Consortium</alias>
  </lexeme>
  <lexeme>
    <grapheme>tomato</grapheme>
    <grapheme>tomatoes</grapheme>
    <phoneme alphabet="x-sampa">t@"mA:toU</phoneme>
    <phoneme>təˈmeɪtoʊ</phoneme>
  </lexeme>
</lexicon>`

describe('readPls', () => {
  it('gives each grapheme its lexeme\'s first alias or phoneme, in IPA', () => {
    expect(readPls(PLS)).toEqual([
      { language: 'en-us', grapheme: 'newton', phoneme: 'ˈnjuːtən' },
      { language: 'en-us', grapheme: 'w3c', alias: 'World Wide Web Consortium' },
      { language: 'en-us', grapheme: 'tomato', phoneme: 'təˈmɑːtoʊ' },
      { language: 'en-us', grapheme: 'tomatoes', phoneme: 'təˈmɑːtoʊ' },
    ])
  })

  it('takes the language given over the file\'s', () => {
    expect(readPls(PLS, 'en')[0].language).toBe('en')
  })

  it('refuses a file without a language, a lexeme with nothing to say, and any DOCTYPE', () => {
    expect(() => readPls('<lexicon><lexeme><grapheme>a</grapheme><alias>b</alias></lexeme></lexicon>')).toThrow(/xml:lang/)
    expect(() => readPls('<lexicon xml:lang="en">\n<lexeme><grapheme>a</grapheme></lexeme></lexicon>')).toThrow(/line 2/)
    expect(() => readPls('<!DOCTYPE lexicon [<!ENTITY x SYSTEM "file:///etc/passwd">]><lexicon xml:lang="en"/>')).toThrow(SsmlError)
  })
})
