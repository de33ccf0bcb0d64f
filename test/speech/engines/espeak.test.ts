import { describe, it, expect, beforeAll } from 'vitest'
import { EspeakEngine } from '../../../src/speech/engines/espeak.js'

describe('espeak engine', () => {
  let espeak: EspeakEngine
  beforeAll(async () => {
    espeak = await EspeakEngine.load()
  })

  it('lists its languages as voices at 22050 Hz', () => {
    const voices = espeak.voices()
    expect(voices.length).toBeGreaterThan(100)
    const us = voices.find((v) => v.id === 'espeak-en-us')!
    expect(us).toMatchObject({ language: 'en-US', sampleRate: 22050, engine: 'espeak' })
    expect(new Set(voices.map((v) => v.id)).size).toBe(voices.length)
  })

  it('streams a segment in several chunks, faster at a higher speed', () => {
    const lengths = [1, 2].map((speed) => {
      const chunks: Int16Array[] = []
      espeak.synthesizeEach('The quick brown fox jumps over the lazy dog.', { voice: 'espeak-en-us', speed }, (c) => void chunks.push(c.slice()))
      expect(chunks.length).toBeGreaterThan(1)
      return chunks.reduce((n, c) => n + c.length, 0)
    })
    expect(lengths[0] / 22050).toBeGreaterThan(1.5)
    expect(lengths[0] / lengths[1]).toBeGreaterThan(1.5)
  })

  it('stops mid-segment when the callback says so', () => {
    let total = 0
    let calls = 0
    espeak.synthesizeEach('One two three four five six seven eight nine ten.', { voice: 'espeak-en-us', speed: 1 }, (c) => {
      total += c.length
      calls++
      return true
    })
    expect(calls).toBe(1)
    expect(total).toBeLessThan(22050)
  })

  it('speaks other languages and returns IPA phonemes', () => {
    let n = 0
    espeak.synthesizeEach('Guten Tag, wie geht es Ihnen?', { voice: 'espeak-de', speed: 1 }, (c) => void (n += c.length))
    expect(n).toBeGreaterThan(22050)
    expect(espeak.phonemize('Hello world', 'espeak-en-us')).toBe('həlˈoʊ wˈɜːld')
  })

  it('treats markup characters as plain text', () => {
    let n = 0
    espeak.synthesizeEach('<speak>a & b</speak>', { voice: 'espeak-en-us', speed: 1 }, (c) => void (n += c.length))
    expect(n).toBeGreaterThan(0)
  })
  it('names words by their place in the text it was given, across escaped markup, emoji and numbers', () => {
    const text = 'Tom & <Jerry> 😀 paid 123 dollars, über-fast.'
    const words = espeak.synthesizeEach(text, { voice: 'espeak-en-us', speed: 1 }, () => {})
    expect(words.map((w) => text.slice(w.from, w.to))).toEqual(['Tom', '&', 'Jerry', 'paid', '123', 'dollars', 'über-fast'])
    for (const [i, w] of words.entries()) if (i > 0) expect(w.start).toBeGreaterThanOrEqual(words[i - 1].end)
  })
})
