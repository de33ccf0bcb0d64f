// The pool's choice of what runs next, on a fake clock with engine costs: deadlines first, a new
// consumer's first segment before everyone's look-ahead, REST work in the gaps and never in the way.
import { describe, expect, it } from 'vitest'
import { LIVE_HORIZON_MS, Schedule, type Priority } from '../../src/speech/schedule.js'

interface Item {
  name: string
  due?: () => number
}

const live = (name: string, due: number): Item => ({ name, due: () => due })

function order(schedule: Schedule<Item>, now: number): string[] {
  const out: string[] = []
  for (let item = schedule.next(now); item; item = schedule.next(now)) out.push(item.name)
  return out
}

describe('Schedule', () => {
  it('runs live segments earliest deadline first, whatever order they came in', () => {
    const s = new Schedule<Item>()
    for (const [name, due] of [['c', 900], ['a', 100], ['d', 950], ['b', 400]] as const) s.add(live(name, due), 'live')
    expect(order(s, 0)).toEqual(['a', 'b', 'c', 'd'])
  })

  it('reads a deadline when a worker comes free, not when the segment was queued', () => {
    const s = new Schedule<Item>()
    let dueOfA = 800
    s.add({ name: 'a', due: () => dueOfA }, 'live')
    s.add(live('b', 500), 'live')
    dueOfA = 200 // a's consumer ran through its audio sooner than reckoned
    expect(order(s, 0)).toEqual(['a', 'b'])
  })

  it("takes a new call's first segment, due the moment it is asked for, before every other call's look-ahead", () => {
    const s = new Schedule<Item>()
    for (let i = 0; i < 50; i++) s.add(live(`ahead ${i}`, 1001 + 300 * i), 'live')
    s.add(live('first of a new call', 1000), 'live')
    expect(s.next(1000)?.name).toBe('first of a new call')
  })

  it('puts a REST flood behind any live segment due within the horizon, and lets it use the time before', () => {
    const s = new Schedule<Item>()
    const add = (name: string, priority: Priority) => s.add({ name }, priority)
    for (let i = 0; i < 100; i++) add(`rest ${i}`, 'normal')
    add('rest first segment', 'high')
    s.add(live('look-ahead', 10_000 + LIVE_HORIZON_MS + 1), 'live')
    s.add(live('next sentence', 10_000 + LIVE_HORIZON_MS), 'live')
    expect(s.next(10_000)?.name).toBe('next sentence')
    // The look-ahead is not due yet: REST work goes first, first segments before the rest.
    expect(s.next(10_000)?.name).toBe('rest first segment')
    expect(s.next(10_000)?.name).toBe('rest 0')
    // Once it comes within the horizon it passes the whole flood.
    expect(s.next(10_002)?.name).toBe('look-ahead')
    expect(order(s, 10_002)).toHaveLength(99)
  })

  it('never leaves a worker idle while anything waits: a look-ahead far ahead still runs', () => {
    const s = new Schedule<Item>()
    s.add(live('far ahead', 60_000), 'live')
    expect(s.next(0)?.name).toBe('far ahead')
    expect(s.next(0)).toBeUndefined()
  })

  it('removes a cancelled item, and drains what waits', () => {
    const s = new Schedule<Item>()
    const a = live('a', 5)
    s.add(a, 'live')
    s.add({ name: 'b' }, 'normal')
    expect(s.remove(a)).toBe(true)
    expect(s.remove(a)).toBe(false)
    expect(s.drain().map((i) => i.name)).toEqual(['b'])
    expect(s.size).toBe(0)
  })
})

// --- two workers on a fake clock -------------------------------------------------------------------

interface Consumer {
  /** When each segment was ready, and when it began to play. */
  ready: number[]
  plays: number[]
  asked: number
}

/**
 * `calls` consumers start `spacingMs` apart, each saying `segments` segments of `audioMs` that cost
 * `engineMs` of a worker, asking for each segment when the one two before it starts to play (the
 * synthesizer's look-ahead) with the synthesizer's deadline: when the audio before it runs out.
 * Meanwhile REST items costing `restMs` arrive `restPerS` a second. Returns each consumer's gaps.
 */
function simulate(o: { workers: number; calls: number; spacingMs: number; segments: number; audioMs: number; engineMs: number; restMs: number; restPerS: number; untilMs: number }) {
  type Job = Item & { cost: number; done?: () => void }
  const s = new Schedule<Job>()
  const consumers: Consumer[] = []
  const busyUntil: (number | null)[] = Array.from({ length: o.workers }, () => null)
  const running: (Job | null)[] = busyUntil.map(() => null)
  let restDone = 0
  const dueOf = (c: Consumer, k: number) => (): number => {
    // When the audio before segment k runs out: the last segment playing, then reckoned.
    const last = c.plays.length - 1
    if (last < 0) return c.asked + k * o.audioMs
    return c.plays[last] + (k - last) * o.audioMs
  }
  const ask = (c: Consumer, k: number) => {
    if (k >= o.segments) return
    s.add({ name: `segment ${k}`, cost: o.engineMs, due: dueOf(c, k), done: () => (c.ready[k] = now) }, 'live')
  }
  let now = 0
  for (; now < o.untilMs; now++) {
    if (now % o.spacingMs === 0 && consumers.length < o.calls) {
      const c: Consumer = { ready: [], plays: [], asked: now }
      consumers.push(c)
      ask(c, 0)
    }
    if (o.restPerS && now % Math.round(1000 / o.restPerS) === 0) s.add({ name: 'rest', cost: o.restMs, done: () => restDone++ }, 'normal')
    for (let w = 0; w < o.workers; w++) {
      if (busyUntil[w] !== null && busyUntil[w]! <= now) {
        running[w]!.done?.()
        busyUntil[w] = null
      }
    }
    // A segment plays once it is ready and the one before has played out; then look-ahead is asked.
    for (const c of consumers) {
      const k = c.plays.length
      if (k >= o.segments || c.ready[k] === undefined) continue
      const free = k === 0 ? c.ready[0] : c.plays[k - 1] + o.audioMs
      if (now >= free) {
        c.plays.push(now)
        ask(c, k + 1 + (k === 0 ? 0 : 1))
        if (k === 0) ask(c, 2)
      }
    }
    for (let w = 0; w < o.workers; w++) {
      if (busyUntil[w] !== null) continue
      const job = s.next(now)
      if (!job) break
      running[w] = job
      busyUntil[w] = now + job.cost
    }
  }
  const gaps = consumers.map((c) => Math.max(0, ...c.plays.slice(1).map((t, k) => t - (c.plays[k] + o.audioMs))))
  const firstWaits = consumers.map((c) => (c.plays[0] ?? Infinity) - c.asked)
  return { gaps, firstWaits, restDone }
}

describe('Schedule, with two workers on a fake clock', () => {
  // 3-second sentences costing 40 ms each: a worker makes 75 seconds of audio a second, so two
  // serve 150 calls; 120 of them (80 %) start 10 a second, under a REST flood worth a whole worker.
  const load = { workers: 2, calls: 120, spacingMs: 100, segments: 8, audioMs: 3000, engineMs: 40, restMs: 20, restPerS: 50, untilMs: 30_000 }

  it('keeps 80 % of the calls the pool can serve from ever running dry, under a REST flood, and starts each within 250 ms', () => {
    const { gaps, firstWaits, restDone } = simulate(load)
    expect(gaps.filter((g) => g > 0)).toEqual([])
    expect(Math.max(...firstWaits)).toBeLessThanOrEqual(250)
    expect(restDone).toBeGreaterThan(100) // the flood still gets the time live speech leaves
  })

  it('runs dry once calls ask for more than the workers can make (so the check above can fail)', () => {
    const { gaps } = simulate({ ...load, calls: 200, spacingMs: 20, restPerS: 0 })
    expect(gaps.filter((g) => g > 0).length).toBeGreaterThan(0)
  })
})
