import { describe, expect, it, vi } from 'vitest'
import { Limiter } from '../../src/store/limits.js'
import { LeasedLimiter, blockSize } from '../../src/store/leases.js'

const MINUTE = 60_000

function setup(start = Date.UTC(2026, 0, 10, 12, 0, 0)) {
  let now = start
  const limiter = new Limiter(null, { now: () => now })
  const spy = vi.spyOn(limiter, 'hitAmount')
  return { limiter, spy, leased: new LeasedLimiter(limiter, () => now), advance: (ms: number) => (now += ms), now: () => now }
}

describe('LeasedLimiter', () => {
  it('counts small limits exactly, one call per request', async () => {
    const { leased, spy } = setup()
    const results = []
    for (let i = 0; i < 4; i++) results.push(await leased.take('k', 1, 3, MINUTE))
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false])
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0])
    expect(spy).toHaveBeenCalledTimes(4)
  })

  it('takes blocks of 1% of a large limit, so most requests cost no call', async () => {
    const { leased, spy, limiter } = setup()
    for (let i = 0; i < 1000; i++) expect((await leased.take('k', 1, 10_000, MINUTE)).allowed).toBe(true)
    expect(spy).toHaveBeenCalledTimes(10)
    expect(await limiter.peek('k', MINUTE)).toBe(1000)
  })

  it('never lets more through than the limit, however the blocks fall, and then refuses without calls', async () => {
    const { leased, spy } = setup()
    let allowed = 0
    for (let i = 0; i < 400; i++) if ((await leased.take('k', 1, 250, MINUTE)).allowed) allowed++
    expect(allowed).toBe(250)
    const calls = spy.mock.calls.length
    for (let i = 0; i < 100; i++) expect((await leased.take('k', 1, 250, MINUTE)).allowed).toBe(false)
    expect(spy.mock.calls.length).toBe(calls)
  })

  it('shares one count between instances and stays under the limit', async () => {
    const { limiter } = setup()
    const a = new LeasedLimiter(limiter)
    const b = new LeasedLimiter(limiter)
    let allowed = 0
    for (let i = 0; i < 1500; i++) if ((await (i % 2 ? a : b).take('k', 1, 1000, MINUTE)).allowed) allowed++
    expect(allowed).toBeLessThanOrEqual(1000)
    expect(allowed).toBeGreaterThanOrEqual(1000 - 2 * blockSize(1000, 1))
  })

  it('spends units given back before taking more, and lets an exhausted bucket use them', async () => {
    const { leased, spy, limiter, advance } = setup()
    const month = 'month' as const
    expect((await leased.take('c', 90, 100, month)).allowed).toBe(true)
    expect((await leased.take('c', 20, 100, month)).allowed).toBe(false) // only 10 left
    leased.giveBack('c', 90)
    expect(await leased.used('c', month)).toBe(0)
    const calls = spy.mock.calls.length
    expect((await leased.take('c', 50, 100, month)).allowed).toBe(true)
    expect(spy.mock.calls.length).toBe(calls) // from what was given back, no call
    expect(await limiter.peek('c', month)).toBe(90) // the shared count never went down
    expect((await leased.take('c', 60, 100, month)).allowed).toBe(false) // 40 here, 10 shared
    advance(40 * 24 * 3_600_000)
    leased.giveBack('c', 50) // from last month: worth nothing now
    expect((await leased.take('c', 100, 100, month)).allowed).toBe(true)
    expect((await leased.take('c', 1, 100, month)).allowed).toBe(false)
  })

  it('starts again in the next window', async () => {
    const { leased, advance } = setup()
    for (let i = 0; i < 3; i++) await leased.take('k', 1, 3, MINUTE)
    expect((await leased.take('k', 1, 3, MINUTE)).allowed).toBe(false)
    advance(MINUTE)
    expect((await leased.take('k', 1, 3, MINUTE)).allowed).toBe(true)
  })

  it('spends amounts (characters) against a monthly quota, refusing one that does not fit while a smaller one still does', async () => {
    const { leased } = setup()
    expect((await leased.take('c', 600, 1000, 'month')).allowed).toBe(true)
    const refused = await leased.take('c', 500, 1000, 'month')
    expect(refused.allowed).toBe(false)
    expect(refused.remaining).toBe(400)
    expect((await leased.take('c', 400, 1000, 'month')).allowed).toBe(true)
    expect((await leased.take('c', 1, 1000, 'month')).allowed).toBe(false)
  })

  it('lets concurrent callers share one block fetch', async () => {
    const { leased, spy } = setup()
    const results = await Promise.all(Array.from({ length: 50 }, () => leased.take('k', 1, 100_000, MINUTE)))
    expect(results.every((r) => r.allowed)).toBe(true)
    expect(spy).toHaveBeenCalledTimes(1)
  })

  it('reports what is left, counting the units it holds', async () => {
    const { leased } = setup()
    const first = await leased.take('k', 1, 1000, MINUTE)
    expect(first.remaining).toBe(999)
    const second = await leased.take('k', 1, 1000, MINUTE)
    expect(second.remaining).toBe(998)
    expect(second.resetMs).toBeGreaterThan(0)
  })
})
