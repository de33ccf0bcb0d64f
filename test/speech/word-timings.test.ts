// Word timings checked against the audio they describe, through the pool and the real engines.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { SegmentWords, WordTiming } from '../../src/speech/engine.js'
import { SynthesisPool } from '../../src/speech/workers.js'
import { concatSamples } from '../../src/audio/samples.js'

const ENGLISH = {
  text: 'Hello there, big world. It\'s 5 o\'clock, and the "quoted" words & numbers end here.',
  words: ['Hello', 'there', 'big', 'world', "It's", '5', "o'clock", 'and', 'the', 'quoted', 'words', '&', 'numbers', 'end', 'here'],
}
const GERMAN = {
  text: 'Guten Tag, wie geht es Ihnen? Grüße aus Berlin.',
  words: ['Guten', 'Tag', 'wie', 'geht', 'es', 'Ihnen', 'Grüße', 'aus', 'Berlin'],
}
const VOICES = [
  { engine: 'flite', voice: 'slt', ...ENGLISH },
  { engine: 'flite', voice: 'kal16', ...ENGLISH },
  { engine: 'flite', voice: 'awb', ...ENGLISH },
  { engine: 'espeak', voice: 'espeak-en-us', ...ENGLISH },
  { engine: 'espeak', voice: 'espeak-de', ...GERMAN },
]

/** -50 dBFS as a sample value. */
const SILENT = 32768 * 10 ** (-50 / 20)

/** Runs of 100 ms or more in which no sample reaches -50 dBFS, as sample ranges. */
function pauses(samples: Int16Array, rate: number): { start: number; end: number }[] {
  const found: { start: number; end: number }[] = []
  let start = -1
  for (let i = 0; i <= samples.length; i++) {
    const quiet = i < samples.length && Math.abs(samples[i]) < SILENT
    if (quiet && start < 0) start = i
    if (!quiet && start >= 0) {
      if (i - start >= rate / 10) found.push({ start, end: i })
      start = -1
    }
  }
  return found
}

function lastSound(samples: Int16Array): number {
  let i = samples.length - 1
  while (i >= 0 && Math.abs(samples[i]) < SILENT) i--
  return i
}

describe('word timings', () => {
  let pool: SynthesisPool
  let rates: Map<string, number>
  beforeAll(async () => {
    pool = new SynthesisPool(2)
    rates = new Map((await pool.voices()).map((v) => [v.id, v.sampleRate]))
  })
  afterAll(() => pool.close())

  async function speak(engine: string, voice: string, text: string, speed = 1): Promise<{ samples: Int16Array; words: WordTiming[] }> {
    const chunks: Int16Array[] = []
    const words: SegmentWords[] = []
    for await (const item of pool.synthesize({ engine, voice, text, speed, words: true })) {
      if (item instanceof Int16Array) {
        expect(words).toHaveLength(0) // the words come after the last audio
        chunks.push(item)
      } else words.push(item)
    }
    expect(words).toHaveLength(1)
    return { samples: concatSamples(chunks), words: words[0].words }
  }

  it('gives no words unless asked', async () => {
    for (const { engine, voice } of [VOICES[0], VOICES[3]]) {
      const items = []
      for await (const item of pool.synthesize({ engine, voice, text: 'Just audio.', speed: 1 })) items.push(item)
      expect(items.length).toBeGreaterThan(0)
      expect(items.every((item) => item instanceof Int16Array)).toBe(true)
    }
  })

  describe.each(VOICES)('$voice', ({ engine, voice, text, words: expected }) => {
    let normal: { samples: Int16Array; words: WordTiming[] }
    beforeAll(async () => {
      normal = await speak(engine, voice, text)
    })

    it('names every word of the text once, in order, by its exact place', () => {
      expect(normal.words.map((w) => text.slice(w.from, w.to))).toEqual(expected)
      for (const [i, w] of normal.words.entries()) {
        expect(w.start).toBeLessThan(w.end)
        if (i > 0) expect(w.start).toBeGreaterThanOrEqual(normal.words[i - 1].end)
      }
    })

    it('puts every pause between two words, never inside one', () => {
      const rate = rates.get(voice)!
      const inner = pauses(normal.samples, rate).filter((p) => p.start > 0 && p.end < normal.samples.length)
      expect(inner.length).toBeGreaterThan(0) // the text has sentence and clause breaks
      for (const pause of inner) {
        const inside = normal.words.filter((w) => w.start < pause.start && w.end > pause.end)
        expect(inside.map((w) => text.slice(w.from, w.to))).toEqual([])
        // And the pause lies in the gap: before it a word has ended, after it the next begins.
        expect(normal.words.some((w) => w.end <= pause.end && w.end >= pause.start - rate * 0.03)).toBe(true)
      }
    })

    it('ends the last word within 30 ms of the last sound', () => {
      const rate = rates.get(voice)!
      expect(Math.abs(normal.words.at(-1)!.end - lastSound(normal.samples))).toBeLessThanOrEqual(rate * 0.03)
    })

    it('halves every time at speed 2', async () => {
      const fast = await speak(engine, voice, text, 2)
      expect(fast.words.map((w) => [w.from, w.to])).toEqual(normal.words.map((w) => [w.from, w.to]))
      const total = normal.samples.length
      for (const [i, w] of fast.words.entries()) {
        // Tolerance: 8% of the segment's length at speed 1. Measured: Flite within 0.5%, because it
        // stretches every duration; eSpeak up to 6.8%, because at 350 words a minute it shortens
        // pauses more than sounds (its audio is then under half as long).
        expect(Math.abs(w.start - normal.words[i].start / 2)).toBeLessThanOrEqual(total * 0.08)
        expect(Math.abs(w.end - normal.words[i].end / 2)).toBeLessThanOrEqual(total * 0.08)
      }
    })
  })
})
