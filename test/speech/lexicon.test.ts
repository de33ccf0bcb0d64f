// The lexicon in reading: aliases before the reading rules, IPA after them for the engines that
// speak it; whole words in any case, for every voice of the entry's language.
import { describe, expect, it } from 'vitest'
import { Lexicon, lexiconEntry, LexiconInputError } from '../../src/speech/lexicon.js'
import { read } from '../../src/speech/read.js'
import { readSsml } from '../../src/speech/ssml/read.js'
import { TextStream } from '../../src/speech/text-stream.js'
import { IPA_CLOSE, IPA_OPEN } from '../../src/speech/ssml/phonemes.js'
import type { VoiceInfo } from '../../src/speech/engine.js'

const voice = (id: string, language: string, engine: string): VoiceInfo => ({ id, name: id, language, gender: 'female', sampleRate: 16000, engine })
const slt = voice('slt', 'en-US', 'flite')
const awb = voice('awb', 'en-GB', 'flite')
const espeak = voice('espeak-en-us', 'en-US', 'espeak')
const piper = voice('piper-en-us-x', 'en-US', 'piper')
const french = voice('espeak-fr-fr', 'fr-FR', 'espeak')

const lexicon = new Lexicon([
  lexiconEntry('en', 'Acme', { alias: 'Ack me' }),
  lexiconEntry('en', 'St. Kitts', { alias: 'Saint Kitts' }),
  lexiconEntry('en', 'Nguyen', { phoneme: 'ŋwɪn' }),
  lexiconEntry('en-GB', 'tomato', { phoneme: 't@"mA:t@U', alphabet: 'x-sampa' }),
  lexiconEntry('fr', 'Acme', { alias: 'Acmé' }),
])
const words = (text: string, v: VoiceInfo) => read(text, v, 1, { lexicon }).map((s) => s.text).join(' ')
const ipa = (s: string) => `${IPA_OPEN}${s}${IPA_CLOSE}`

describe('lexicon', () => {
  it('an alias replaces the whole word in any case, and is then read as text is', () => {
    expect(words('Welcome to ACME, acme and Acme.', slt)).toBe('Welcome to Ack me, Ack me and Ack me.')
    expect(words('Acmes and Acme-like and 2Acme stay', slt)).toBe('Acmes and Ack me-like and two Acme stay')
    expect(words('Visit st.  kitts today', slt)).toBe('Visit Saint Kitts today')
  })

  it('applies to every voice of the language, a region entry only to that region', () => {
    expect(words('Acme', awb)).toBe('Ack me')
    expect(words('Acme', french)).toBe('Acmé')
    expect(words('tomato', espeak)).toBe('tomato')
    expect(words('tomato', voice('espeak-en-gb', 'en-GB', 'espeak'))).toBe(ipa('təˈmɑːtəʊ'))
  })

  it('a phoneme is spoken from its IPA on eSpeak NG and Piper; Flite keeps the word', () => {
    expect(words('Ask for Dr. Nguyen.', espeak)).toBe(`Ask for Doctor ${ipa('ŋwɪn')}.`)
    expect(words('Ask for Dr. Nguyen.', piper)).toBe(`Ask for Doctor ${ipa('ŋwɪn')}.`)
    expect(words('Ask for Dr. Nguyen.', slt)).toBe('Ask for Doctor Nguyen.')
  })

  it('keeps each word spanned over what it was read from', () => {
    const text = 'Call Acme now'
    const [s] = read(text, slt, 1, { lexicon })
    expect(s.spans.map((sp) => text.slice(sp.from, sp.to))).toEqual(['Call', 'Acme', 'Acme', 'now'])
  })

  it('reads SSML text and streamed text with it too', () => {
    expect(readSsml('<speak>Acme <break time="1s"/>Nguyen</speak>', espeak, 1, [], lexicon).segments.map((s) => s.text)).toEqual(['Ack me', '', ipa('ŋwɪn')])
    const stream = new TextStream(slt, 1, { lexicon })
    expect([...stream.push('Welcome to Ac'), ...stream.push('me. '), ...stream.flush()].map((s) => s.text).join(' ')).toBe('Welcome to Ack me.')
  })

  it('changes in place: whoever holds it reads with the new entries', () => {
    const l = new Lexicon()
    expect(read('Acme', slt, 1, { lexicon: l })[0].text).toBe('Acme')
    l.replace([lexiconEntry('en', 'acme', { alias: 'Ack me' })])
    expect(read('Acme', slt, 1, { lexicon: l })[0].text).toBe('Ack me')
  })

  it('keys entries lower-cased and refuses what cannot be used', () => {
    expect(lexiconEntry('en-US', '  New   York ', { alias: 'Noo Yawk' })).toEqual({ language: 'en-us', grapheme: 'new york', alias: 'Noo Yawk' })
    expect(() => lexiconEntry('en', '...', { alias: 'dots' })).toThrow(LexiconInputError)
    expect(() => lexiconEntry('en', 'x', { alias: ' ' })).toThrow(LexiconInputError)
    expect(() => lexiconEntry('en', 'x', { phoneme: 'x', alphabet: 'arpabet' })).toThrow(LexiconInputError)
  })
})
