import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { SegmentWords } from '../../src/speech/engine.js'
import { SynthesisPool } from '../../src/speech/workers.js'

describe('synthesis pool', () => {
  let pool: SynthesisPool
  beforeAll(() => {
    pool = new SynthesisPool(2)
  })
  afterAll(() => pool.close())

  const collect = async (it: AsyncIterable<Int16Array | SegmentWords>) => {
    let n = 0
    for await (const c of it) if (c instanceof Int16Array) n += c.length
    return n
  }

  it('reports the voices of every engine', async () => {
    const voices = await pool.voices()
    expect(voices.some((v) => v.id === 'slt' && v.engine === 'flite')).toBe(true)
    expect(voices.some((v) => v.id === 'espeak-en-us' && v.engine === 'espeak')).toBe(true)
  })

  it('synthesizes in worker threads, several at once', async () => {
    const jobs = ['slt', 'kal16', 'rms', 'awb'].map((voice) =>
      collect(pool.synthesize({ engine: 'flite', voice, text: 'Hello from a worker thread.', speed: 1 })),
    )
    for (const n of await Promise.all(jobs)) expect(n).toBeGreaterThan(16000)
  })

  it('reports an engine error as an error, and keeps working', async () => {
    await expect(collect(pool.synthesize({ engine: 'flite', voice: 'nope', text: 'x', speed: 1 }))).rejects.toThrow(/no voice/)
    expect(await collect(pool.synthesize({ engine: 'flite', voice: 'kal', text: 'Still here.', speed: 1 }))).toBeGreaterThan(0)
  })

  it('drops queued work when its signal aborts, and stops running eSpeak work', async () => {
    const controller = new AbortController()
    const long = 'This sentence is long enough to take a while to speak. '.repeat(8)
    const jobs = Array.from({ length: 6 }, () =>
      collect(pool.synthesize({ engine: 'espeak', voice: 'espeak-en-us', text: long, speed: 1 }, { signal: controller.signal })),
    )
    expect(pool.queued).toBe(4)
    controller.abort()
    expect(pool.queued).toBe(0)
    for (const result of await Promise.allSettled(jobs)) {
      expect(result.status).toBe('rejected')
      expect((result as PromiseRejectedResult).reason.name).toBe('AbortError')
    }
    // The running ones stop at their next chunk and free their workers.
    await expect.poll(() => pool.running, { timeout: 5000 }).toBe(0)
  })

  it('runs live speech first, then first segments, then the rest, each in arrival order', async () => {
    // One worker, so that the order tasks are started in is the order their audio arrives in.
    const single = new SynthesisPool(1)
    const started: string[] = []
    const job = (name: string, priority?: 'live' | 'high' | 'normal') => (async () => {
      for await (const _ of single.synthesize({ engine: 'flite', voice: 'kal', text: `Segment ${name}.`, speed: 1 }, { priority })) {
        started.push(name)
        break
      }
    })()
    // The worker busy first, so that everything after waits in the queue.
    const jobs = [job('busy'), job('rest 1'), job('first 1', 'high'), job('live 1', 'live'), job('rest 2'), job('live 2', 'live'), job('first 2', 'high')]
    expect(single.queued).toBe(6)
    await Promise.all(jobs)
    await single.close()
    expect(started).toEqual(['busy', 'live 1', 'live 2', 'first 1', 'first 2', 'rest 1', 'rest 2'])
  })

  it('cancels a task whose consumer stops reading', async () => {
    const stream = pool.synthesize({ engine: 'espeak', voice: 'espeak-en-us', text: 'Words and more words. '.repeat(20), speed: 1 })
    for await (const chunk of stream) {
      expect(chunk).toBeInstanceOf(Int16Array)
      break
    }
    await expect.poll(() => pool.running, { timeout: 5000 }).toBe(0)
  })

  it('returns IPA phonemes from eSpeak', async () => {
    expect(await pool.phonemes('espeak-en-us', 'Hello world')).toBe('həlˈoʊ wˈɜːld')
  })
})
