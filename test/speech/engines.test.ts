import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { FliteEngine } from '../../src/speech/engines/flite.js'
import { EspeakEngine } from '../../src/speech/engines/espeak.js'

const rms = (s: Int16Array) => Math.sqrt(s.reduce((a, v) => a + v * v, 0) / Math.max(1, s.length))

describe('flite engine', () => {
  const flite = new FliteEngine()

  it('has the five voices, each at its own rate', () => {
    const voices = flite.voices()
    expect(voices.map((v) => v.id).sort()).toEqual(['awb', 'kal', 'kal16', 'rms', 'slt'])
    expect(voices.find((v) => v.id === 'kal')!.sampleRate).toBe(8000)
    expect(voices.find((v) => v.id === 'slt')!.sampleRate).toBe(16000)
  })

  it.each(['slt', 'kal16', 'rms', 'awb', 'kal'])('speaks with %s', (voice) => {
    const samples = flite.synthesizeSync('Hello, this is a test.', { voice, speed: 1 }).samples
    const rate = flite.voices().find((v) => v.id === voice)!.sampleRate
    // About a second and a half of audible speech, not silence or noise bursts.
    expect(samples.length / rate).toBeGreaterThan(0.8)
    expect(samples.length / rate).toBeLessThan(4)
    expect(rms(samples)).toBeGreaterThan(300)
  })

  it('gives the same audio for the same text every time (the instance is reset between runs)', () => {
    const a = flite.synthesizeSync('Repeatable output.', { voice: 'slt', speed: 1 }).samples
    flite.synthesizeSync('Something else entirely, to disturb its state.', { voice: 'kal16', speed: 1.5 })
    const b = flite.synthesizeSync('Repeatable output.', { voice: 'slt', speed: 1 }).samples
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true)
  })

  it('after long and varied use, speaks every voice exactly as a new engine does', () => {
    const texts = ['Hi.', 'Dr. Smith, 221B Baker St.; call 555-0100 at 3:30 p.m.!', 'word '.repeat(60), '"Quoted" (aside) — ümlauts, ½ and €5.']
    for (const voice of ['slt', 'kal16', 'rms', 'awb', 'kal']) for (const text of texts) flite.synthesizeSync(text, { voice, speed: 0.7 })
    const fresh = new FliteEngine()
    try {
      for (const voice of ['slt', 'kal16', 'rms', 'awb', 'kal']) {
        const used = flite.synthesizeSync('Repeatable output, once more.', { voice, speed: 1 }).samples
        const expected = fresh.synthesizeSync('Repeatable output, once more.', { voice, speed: 1 }).samples
        expect(Buffer.from(used.buffer).equals(Buffer.from(expected.buffer)), voice).toBe(true)
      }
    } finally {
      fresh.close()
    }
  })

  it('speaks faster at a higher speed', () => {
    const text = 'The quick brown fox jumps over the lazy dog.'
    const slow = flite.synthesizeSync(text, { voice: 'kal16', speed: 0.5 }).samples.length
    const normal = flite.synthesizeSync(text, { voice: 'kal16', speed: 1 }).samples.length
    const fast = flite.synthesizeSync(text, { voice: 'kal16', speed: 2 }).samples.length
    expect(slow / normal).toBeGreaterThan(1.6)
    expect(normal / fast).toBeGreaterThan(1.6)
  })

  it('reads text that looks like an option or a file name as text', () => {
    const samples = flite.synthesizeSync('-voice out.wav', { voice: 'kal16', speed: 1 }).samples
    expect(samples.length).toBeGreaterThan(8000)
  })

  it('refuses a voice it does not have', () => {
    expect(() => flite.synthesizeSync('hi', { voice: 'nope', speed: 1 })).toThrow(/no voice/)
  })
})

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

describe('flite word timings', () => {
  const flite = new FliteEngine()
  afterAll(() => flite.close())

  it('names words by their place in the text, and speaks the same audio as without them', () => {
    const text = 'Tom & "Jerry" paid 123 dollars, twice.'
    const timed = flite.synthesizeSync(text, { voice: 'kal16', speed: 1, words: true })
    expect(timed.words!.map((w) => text.slice(w.from, w.to))).toEqual(['Tom', '&', 'Jerry', 'paid', '123', 'dollars', 'twice'])
    expect(timed.samples).toEqual(flite.synthesizeSync(text, { voice: 'kal16', speed: 1 }).samples)
    expect(flite.synthesizeSync(text, { voice: 'kal16', speed: 1 }).words).toBeUndefined()
  })
})
