// The first-chunk prefetch: synthesis starts before anyone reads, the chunks come back in order
// and exactly once, a failure before the first chunk shows on `ready`, and the source is closed.
import { describe, it, expect } from 'vitest'
import { prefetch } from '../../src/speech/prefetch.js'

/** A source that records how far it was pulled and whether it was closed. */
function source<T>(items: T[], failAt = -1) {
  const log = { pulled: 0, closed: false }
  async function* gen(): AsyncGenerator<T> {
    try {
      for (let i = 0; i < items.length; i++) {
        if (i === failAt) throw new Error('engine failed')
        log.pulled++
        yield items[i]
      }
    } finally {
      log.closed = true
    }
  }
  return { gen: gen(), log }
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

describe('prefetch', () => {
  it('pulls the first chunk before anyone iterates, then replays it ahead of the rest', async () => {
    const { gen, log } = source([1, 2, 3])
    const p = prefetch(gen)
    await p.ready
    expect(log.pulled).toBe(1) // only what was needed to be ready
    expect(await all(p.chunks)).toEqual([1, 2, 3])
    expect(log.closed).toBe(true)
  })

  it('pulls until a chunk is ready by the given test', async () => {
    const { gen, log } = source([{ n: 0 }, { n: 0 }, { n: 5 }, { n: 1 }])
    const p = prefetch(gen, (c) => c.n > 0)
    await p.ready
    expect(log.pulled).toBe(3)
    expect((await all(p.chunks)).map((c) => c.n)).toEqual([0, 0, 5, 1])
  })

  it('is ready at the end of a source that never had a ready chunk', async () => {
    const { gen } = source<number>([])
    const p = prefetch(gen)
    await expect(p.ready).resolves.toBeUndefined()
    expect(await all(p.chunks)).toEqual([])
  })

  it('rejects ready, and the chunks, when the source fails before being ready', async () => {
    const { gen } = source([1, 2], 0)
    const p = prefetch(gen)
    await expect(p.ready).rejects.toThrow('engine failed')
    await expect(all(p.chunks)).rejects.toThrow('engine failed')
  })

  it('passes a later failure on to the reader after the chunks before it', async () => {
    const { gen } = source([1, 2, 3], 2)
    const p = prefetch(gen)
    await p.ready
    const seen: number[] = []
    await expect((async () => { for await (const x of p.chunks) seen.push(x) })()).rejects.toThrow('engine failed')
    expect(seen).toEqual([1, 2])
  })

  it('closes the source when the reader stops early', async () => {
    const { gen, log } = source([1, 2, 3, 4])
    const p = prefetch(gen)
    for await (const x of p.chunks) if (x === 2) break
    expect(log.pulled).toBe(2)
    expect(log.closed).toBe(true)
  })

  it('does not leave an unhandled rejection when nobody waits on a failed prefetch', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (e: unknown) => unhandled.push(e)
    process.on('unhandledRejection', onUnhandled)
    try {
      prefetch(source([1], 0).gen)
      await new Promise((r) => setTimeout(r, 20))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})
