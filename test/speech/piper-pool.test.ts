// Piper voices through the worker pool and the synthesizer, from a temporary MODELS_DIR.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SynthesisPool } from '../../src/speech/workers.js'
import type { SegmentWords } from '../../src/speech/engine.js'
import { Synthesizer } from '../../src/speech/synthesizer.js'
import { concatSamples as concat } from '../../src/audio/samples.js'
import { PiperEngine } from '../../src/speech/engines/piper.js'
import { EspeakEngine } from '../../src/speech/engines/espeak.js'
import { PHONEME_ID_MAP, decodeIds, testModel, writeVoice } from '../helpers/piper-model.js'
import { read } from '../../src/speech/read.js'

const collect = async (it: AsyncIterable<Int16Array | SegmentWords>) => {
  const out: Int16Array[] = []
  for await (const c of it) if (c instanceof Int16Array) out.push(c)
  return out
}

describe('piper voices in the synthesis pool', () => {
  let dir: string
  let pool: SynthesisPool
  let reference: PiperEngine
  const warnings: string[] = []
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cw-piper-pool-'))
    writeVoice(dir, { name: 'en_US-test-x_low' })
    writeVoice(dir, { name: 'duo', speakers: 2 })
    writeFileSync(join(dir, 'broken.onnx'), testModel())
    writeFileSync(join(dir, 'broken.onnx.json'), 'not json')
    pool = new SynthesisPool(2, { modelsDir: dir, warn: (m) => warnings.push(m) })
    const espeak = await EspeakEngine.load()
    reference = await PiperEngine.load({ modelsDir: dir, device: 'cpu', threads: 1 }, async () => espeak)
  })
  afterAll(async () => {
    await pool.close()
    await reference.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('lists Piper voices beside the others, and reports devices and skipped files', async () => {
    const status = await pool.status()
    const ids = status.voices.map((v) => v.id)
    expect(ids).toEqual(expect.arrayContaining(['slt', 'espeak-en-us', 'piper-en-us-test-x-low', 'piper-duo-speaker-a', 'piper-duo-speaker-b']))
    expect(status.piper.voices.map((v) => [v.id, v.device])).toEqual([
      ['piper-duo-speaker-a', 'cpu'],
      ['piper-duo-speaker-b', 'cpu'],
      ['piper-en-us-test-x-low', 'cpu'],
    ])
    expect(status.piper.skipped).toEqual([{ file: 'broken.onnx', reason: expect.stringMatching(/not valid JSON/) }])
    expect((await pool.voices()).length).toBe(status.voices.length)
  })

  it('logs a skipped file once, however often the status is asked for', async () => {
    await pool.status()
    await pool.status()
    expect(warnings).toHaveLength(1)
    expect(warnings[0].startsWith(`piper: skipped ${join(dir, 'broken.onnx')}: not valid JSON`)).toBe(true)
  })

  it('synthesizes in the workers: the audio carries the ids of eSpeak IPA in Piper layout', async () => {
    const ipa = await pool.phonemes('espeak-en-us', 'Good morning')
    const id = (symbol: string) => PHONEME_ID_MAP[symbol][0]
    const expected = [id('^'), id('_'), ...[...ipa.normalize('NFD'), '.'].flatMap((p) => [id(p), id('_')]), id('$')]
    const jobs = [0, 1].map(() => collect(pool.synthesize({ engine: 'piper', voice: 'piper-en-us-test-x-low', text: 'Good morning.', speed: 1 })))
    for (const chunks of await Promise.all(jobs)) expect(chunks.map((c) => decodeIds(c))).toEqual([expected])
    const [duo] = await collect(pool.synthesize({ engine: 'piper', voice: 'piper-duo-speaker-b', text: 'Good morning.', speed: 1 }))
    expect(decodeIds(duo, 1)).toEqual(expected)
  })

  it('estimates word timings when asked (the model gives no durations): every word once, in order, within the audio', async () => {
    const text = 'Good morning, and welcome to Acme.'
    const items = []
    for await (const item of pool.synthesize({ engine: 'piper', voice: 'piper-duo-speaker-a', text, speed: 1, words: true })) items.push(item)
    const audio = items.filter((i): i is Int16Array => i instanceof Int16Array)
    const words = items.filter((i) => !(i instanceof Int16Array)).flatMap((i) => (i as { words: { from: number; to: number; start: number; end: number }[] }).words)
    expect(items.at(-1)).not.toBeInstanceOf(Int16Array) // after the audio
    expect(words.map((w) => text.slice(w.from, w.to))).toEqual(['Good', 'morning', 'and', 'welcome', 'to', 'Acme'])
    const length = audio.reduce((n, a) => n + a.length, 0)
    for (const [i, w] of words.entries()) {
      expect(w.end).toBeGreaterThan(w.start)
      expect(w.end).toBeLessThanOrEqual(length)
      if (i > 0) expect(w.start).toBe(words[i - 1].end)
    }
  })

  it('streams through the synthesizer, segment by segment, the same audio as the engine', async () => {
    const synth = new Synthesizer(pool, await pool.voices(), { cacheBytes: 0 })
    const text = 'Thank you for calling. Your appointment is on Monday, at 3 p.m. Goodbye!'
    const segments = read(text, synth.voice('piper-duo-speaker-a')!, 1.25)
    expect(segments.length).toBeGreaterThan(1)
    const bySegment: Int16Array[][] = segments.map(() => [])
    for await (const chunk of synth.stream(segments)) bySegment[chunk.segment].push(chunk.samples)
    for (const [i, segment] of segments.entries()) {
      const expected = concat(await collect(reference.synthesize(segment.text, { voice: 'piper-duo-speaker-a', speed: 1.25 })))
      expect(Buffer.from(concat(bySegment[i]).buffer).equals(Buffer.from(expected.buffer))).toBe(true)
    }
  })

  it('drops queued Piper work when its signal aborts', async () => {
    const controller = new AbortController()
    const jobs = Array.from({ length: 5 }, () =>
      collect(pool.synthesize({ engine: 'piper', voice: 'piper-en-us-test-x-low', text: 'One. Two. Three.', speed: 1 }, { signal: controller.signal })),
    )
    controller.abort()
    for (const result of await Promise.allSettled(jobs)) expect((result as PromiseRejectedResult).reason?.name).toBe('AbortError')
    await expect.poll(() => pool.running, { timeout: 5000 }).toBe(0)
  })

  it('picks up added and removed voices on reload, in every worker', async () => {
    writeVoice(dir, { name: 'late' })
    rmSync(join(dir, 'duo.onnx'))
    rmSync(join(dir, 'duo.onnx.json'))
    const status = await pool.reload()
    expect(status.piper.voices.map((v) => v.id)).toEqual(['piper-en-us-test-x-low', 'piper-late'])
    const jobs = [0, 1, 2, 3].map(() => collect(pool.synthesize({ engine: 'piper', voice: 'piper-late', text: 'Hello.', speed: 1 })))
    for (const chunks of await Promise.all(jobs)) expect(chunks).toHaveLength(1)
    // The broken pair is reported again after a reload, once.
    expect(warnings.filter((w) => w.includes('broken.onnx'))).toHaveLength(2)
  })
})

describe('piper voices with TTS_DEVICE=cuda on a machine without CUDA', () => {
  it('falls back to the CPU with one warning, and says so per voice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-piper-cuda-'))
    writeVoice(dir, { name: 'a' })
    writeVoice(dir, { name: 'b' })
    const warnings: string[] = []
    const pool = new SynthesisPool(1, { modelsDir: dir, device: 'cuda', warn: (m) => warnings.push(m) })
    try {
      const status = await pool.status()
      expect(status.piper.requestedDevice).toBe('cuda')
      expect(status.piper.voices.map((v) => v.device)).toEqual(['cpu', 'cpu'])
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/^piper: TTS_DEVICE=cuda, but the CUDA execution provider could not be loaded \(.+\); Piper voices run on the CPU$/)
      expect((await collect(pool.synthesize({ engine: 'piper', voice: 'piper-a', text: 'Fine.', speed: 1 }))).length).toBe(1)
    } finally {
      await pool.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
