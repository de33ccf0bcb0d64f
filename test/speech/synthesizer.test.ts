import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { SynthesisPool } from '../../src/speech/workers.js'
import { Synthesizer, UnknownVoiceError } from '../../src/speech/synthesizer.js'
import { concatSamples as concat } from '../../src/audio/samples.js'
import { FliteEngine } from '../../src/speech/engines/flite.js'
import { read } from '../../src/speech/read.js'

describe('synthesizer', () => {
  let pool: SynthesisPool
  let synth: Synthesizer
  beforeAll(async () => {
    pool = new SynthesisPool(2)
    synth = new Synthesizer(pool, await pool.voices(), { cacheBytes: 8 * 1024 * 1024 })
  })
  afterAll(() => pool.close())

  const text = 'Thank you for calling Acme Dental on Main St. Our office is open from 9:00 a.m. to 5:30 p.m. today. Please hold.'

  it('speaks a text segment by segment, each closed by a last chunk, in order', async () => {
    const segments = read(text, synth.voice('kal16')!)
    expect(segments.length).toBeGreaterThanOrEqual(3)
    const seen: number[] = []
    let lasts = 0
    for await (const chunk of synth.stream(read(text, synth.voice('kal16')!, 1))) {
      seen.push(chunk.segment)
      if (chunk.last) lasts++
    }
    expect(lasts).toBe(segments.length)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
  })

  it('gives the same audio as the engine run on each segment in turn', async () => {
    const flite = new FliteEngine()
    const expected = concat(read(text, synth.voice('slt')!).map((s) => flite.synthesizeSync(s.text, { voice: 'slt', speed: 1.25 }).samples))
    const got: Int16Array[] = []
    for await (const chunk of synth.stream(read(text, synth.voice('slt')!, 1.25))) got.push(chunk.samples)
    expect(Buffer.from(concat(got).buffer).equals(Buffer.from(expected.buffer))).toBe(true)
    flite.close()
  })

  it('serves a repeated prompt from the cache', async () => {
    const prompt = 'Please listen carefully, as our menu options have changed.'
    const hits = synth.cache.hits
    const first: Int16Array[] = []
    for await (const c of synth.stream(read(prompt, synth.voice('rms')!, 1))) first.push(c.samples)
    const second: Int16Array[] = []
    for await (const c of synth.stream(read(prompt, synth.voice('rms')!, 1))) second.push(c.samples)
    expect(synth.cache.hits - hits).toBe(read(prompt, synth.voice('rms')!).length)
    expect(Buffer.from(concat(second).buffer).equals(Buffer.from(concat(first).buffer))).toBe(true)
  })

  it('serves nothing cached before a reload after it, not even audio that was being made then', async () => {
    const prompt = 'Your call is important to us.'
    const cached = async (reloadMidway: boolean) => {
      const stream = synth.stream(read(prompt, synth.voice('kal16')!, 1.1))
      const first = stream.next() // the segment's synthesis is under way from here
      if (reloadMidway) synth.setVoices(synth.voices())
      await first
      for await (const _ of stream);
      return synth.cache.size
    }
    synth.setVoices(synth.voices())
    expect(await cached(false)).toBeGreaterThan(0)
    synth.setVoices(synth.voices())
    expect(synth.cache.size).toBe(0)
    expect(await cached(true)).toBe(0)
  })

  it('stops all queued and running work when the listener goes away', async () => {
    const long = Array.from({ length: 12 }, (_, i) => `This is sentence number ${i + 1}, spoken slowly and at length.`).join(' ')
    const controller = new AbortController()
    let chunks = 0
    await expect(async () => {
      for await (const _ of synth.stream(read(long, synth.voice('espeak-en-us')!, 0.5), { signal: controller.signal })) {
        if (++chunks === 2) controller.abort()
      }
    }).rejects.toThrow(/abort/i)
    await expect.poll(() => pool.running + pool.queued, { timeout: 5000 }).toBe(0)
  })

  it('frees its look-ahead work when the consumer breaks out', async () => {
    const long = Array.from({ length: 10 }, (_, i) => `Item ${i + 1} of the list is here.`).join(' ')
    for await (const chunk of synth.stream(read(long, synth.voice('awb')!, 1))) {
      if (chunk.segment === 1) break
    }
    await expect.poll(() => pool.running + pool.queued, { timeout: 5000 }).toBe(0)
  })

  it('refuses a voice the engines no longer have', async () => {
    await expect(synth.stream(read('hi', { ...synth.voice('slt')!, id: 'nobody' })).next()).rejects.toBeInstanceOf(UnknownVoiceError)
  })
})
