import { describe, it, expect } from 'vitest'
import { espeakPhonemes, phonemeIds } from '../../../src/speech/piper/phonemes.js'
import { PHONEME_ID_MAP } from '../../helpers/piper-model.js'
import { IPA_CLOSE, IPA_OPEN } from '../../../src/speech/ssml/phonemes.js'

const id = (symbol: string) => PHONEME_ID_MAP[symbol][0]
const map = new Map(Object.entries(PHONEME_ID_MAP))
const [PAD, BOS, EOS] = [id('_'), id('^'), id('$')]
describe('piper phoneme ids', () => {
  it('lays a sentence out as Piper does: BOS, pad after BOS and after every phoneme, EOS', () => {
    expect(phonemeIds(['h', 'ə', 'l'], map)).toEqual([BOS, PAD, id('h'), PAD, id('ə'), PAD, id('l'), PAD, EOS])
  })

  it('skips phonemes the voice has no id for, as Piper does', () => {
    expect(phonemeIds(['a', '☃', 'b'], map)).toEqual([BOS, PAD, id('a'), PAD, id('b'), PAD, EOS])
  })

  it('keeps clause punctuation, ends sentences at . ? !, and decomposes code points', () => {
    const phonemize = (clause: string) => ({ 'Hello': 'həlˈoʊ', 'world': 'wˈɜːld', 'how are you': 'hˌaʊ ɑːɹ\njuː', 'ça': 'sˈa(fr)ç(en)' })[clause] ?? '?'
    expect(espeakPhonemes('Hello, world. how are you? ça', phonemize)).toEqual([
      [...'həlˈoʊ', ',', ' ', ...'wˈɜːld', '.'],
      [...'hˌaʊ ɑːɹ juː', '?'],
      ['s', 'ˈ', 'a', 'c', '\u0327'],
    ])
  })

  it('does not cut a clause at a point inside a number', () => {
    const clauses: string[] = []
    espeakPhonemes('pi is 3.14 roughly.', (c) => (clauses.push(c), 'x'))
    expect(clauses).toEqual(['pi is 3.14 roughly'])
  })

  it('takes IPA an SSML phoneme gave as it is, in its place among the words eSpeak phonemizes', () => {
    const clauses: string[] = []
    const phonemize = (clause: string) => (clauses.push(clause), ({ say: 'sˈeɪ', 'now please': 'nˈaʊ plˈiːz' })[clause] ?? '?')
    expect(espeakPhonemes(`say ${IPA_OPEN}təmˈɑːtoʊ${IPA_CLOSE} now please.`, phonemize)).toEqual([[...'sˈeɪ təmˈɑːtoʊ nˈaʊ plˈiːz'.normalize('NFD'), '.']])
    expect(clauses).toEqual(['say', 'now please'])
  })
})
