import { describe, it, expect, afterAll } from 'vitest'
import { readdirSync } from 'node:fs'
import { FliteEngine } from '../../../src/speech/engines/flite.js'

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

  it('holds no file descriptor open after a run, however many runs (a busy worker makes thousands)', () => {
    const open = () => readdirSync('/proc/self/fd').length
    flite.synthesizeSync('Warm.', { voice: 'kal16', speed: 1 })
    const before = open()
    for (let i = 0; i < 200; i++) flite.synthesizeSync('Hi.', { voice: 'kal16', speed: 1, words: i % 2 === 0 })
    expect(open()).toBeLessThanOrEqual(before + 2)
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
