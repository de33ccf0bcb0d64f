// A caller hangs up mid-sentence, 100 times (in waves of 25, after a warm-up wave): Twilio's way (stop, then close), a
// dropped connection, a close with no stop, and a drop right after `start` while the stream is
// still being authorized and its first sentence synthesized. Afterwards nothing is left: no
// synthesis task running or queued (pool.running + pool.queued = 0), no session
// (tts_active_calls = 0), no WebSocket or TCP connection, and no more timers or sockets than
// before, counted two ways: live async resources by type (an async hook: every Timeout, ref'd or
// not, and every TCP handle) and Node's own list of handles keeping the loop alive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findCall } from '../../src/store/calls.js'
import { putNumber } from '../../src/store/numbers.js'
import { OUR_NUMBER, callIn, startCallRig, type CallRig } from '../helpers/twilio-app.js'
import { activeResources, countResources, growth, type ResourceCounter } from '../helpers/fault-resources.js'
import { sleep, waitFor } from '../helpers/fault-net.js'

const CALLS = 100
const WAVE = 25
const GREETING = [
  'Thank you for calling Acme Dental.',
  'Our office is open from nine in the morning until five in the evening, Monday through Friday.',
  'If you would like to book an appointment, please stay on the line and one of our staff will be with you shortly.',
].join(' ')

let rig: CallRig
let counter: ResourceCounter

beforeAll(async () => {
  // Counting from before the app starts, so a resource the app replaces (a pooled database
  // connection's idle timer is a new Timeout each time it goes idle) is seen both coming and going.
  counter = countResources()
  rig = await startCallRig()
  await putNumber(rig.db, { e164: OUR_NUMBER, greeting: GREETING, voice: 'kal16', bargeInDigit: null })
})
afterAll(async () => {
  counter?.stop()
  await rig?.close()
})

const app = () => rig.apps[0].app

async function metric(name: string): Promise<number> {
  const m = await app().metrics.registry.getSingleMetric(name)?.get()
  return (m?.values ?? []).reduce((sum, v) => sum + v.value, 0)
}

/**
 * Open TCP connections to the app, after it has closed the idle keep-alive ones (the webhooks' fetch
 * keeps its connections pooled for as long as the server allows, 72 s: not a leak, but not gone).
 */
async function connections(): Promise<number> {
  app().server.closeIdleConnections()
  return new Promise((resolve, reject) => app().server.getConnections((err, n) => (err ? reject(err) : resolve(n))))
}

let busy = ''
const idle = async () => {
  const left = {
    tasks: app().pool.running + app().pool.queued,
    sessions: app().telephony.hub.size,
    websockets: app().websocketServer.clients.size,
    connections: await connections(),
  }
  busy = JSON.stringify(left)
  return Object.values(left).every((n) => n === 0)
}

type Way = 'stop' | 'drop' | 'close' | 'drop during start'
const WAYS: Way[] = ['stop', 'drop', 'close', 'drop during start']

/** One call, hung up the given way once its first audio has arrived (or right after start). */
async function hangUp(way: Way): Promise<string> {
  const { callSid, stream } = await callIn(rig.apps[0], { speed: 1 })
  if (way !== 'drop during start') await stream.until(() => stream.count('media') > 0, 'audio')
  if (way === 'stop') stream.sendStop(), stream.close()
  else if (way === 'close') stream.close()
  else stream.ws.terminate()
  await stream.closed
  if (stream.violations.length) throw new Error(`protocol violations: ${stream.violations.join('; ')}`)
  return callSid
}

/** Waits until the app is idle and the counts settle (timers of finished work fire or are cleared). */
async function settled(): Promise<void> {
  await waitFor(idle, 'no synthesis, session or connection left', 30_000).catch((err: Error) => {
    throw new Error(`${err.message}: ${busy}`)
  })
  // Keep-alive and short timers of the finished requests run out within a few seconds.
  await sleep(200)
}

describe(`${CALLS} callers hang up mid-sentence`, () => {
  it('leave no worker task, session, timer or socket behind', async () => {
    // One wave first, so what is made once and kept exists before the baseline is taken: prepared
    // statements, and a database pool grown to the size this concurrency needs (with PostgreSQL,
    // each pooled connection holds a socket and its idle timer).
    const t0 = performance.now()
    await Promise.all(Array.from({ length: WAVE }, (_, i) => hangUp(WAYS[i % WAYS.length])))
    if (app().db.kind === 'postgres') {
      // More queries at once than the pool has connections (10): the pool is at its full size.
      await Promise.all(Array.from({ length: 30 }, () => app().db.query('SELECT pg_sleep(0.05)')))
    }
    await settled()
    const t1 = performance.now()
    const before = { hook: counter.snapshot(), active: activeResources() }
    const madeBefore = counter.created()

    const ways: Record<Way, number> = { stop: 0, drop: 0, close: 0, 'drop during start': 0 }
    const sids: string[] = []
    for (let wave = 0; wave < CALLS / WAVE; wave++) {
      const batch = Array.from({ length: WAVE }, (_, i) => WAYS[(wave * WAVE + i) % WAYS.length])
      for (const w of batch) ways[w]++
      sids.push(...(await Promise.all(batch.map(hangUp))))
    }
    const t2 = performance.now()
    await settled()
    console.log(`[faults] hang-ups: warm-up ${Math.round(t1 - t0)} ms, calls ${Math.round(t2 - t1)} ms, settle ${Math.round(performance.now() - t2)} ms`)
    expect(app().pool.running + app().pool.queued).toBe(0)
    expect(await metric('tts_active_calls')).toBe(0)
    expect(app().websocketServer.clients.size).toBe(0)
    expect(await connections()).toBe(0)

    // Timers and sockets: give what finished a moment to be destroyed (an async hook hears of a
    // destroy on a later turn of the loop), then compare with the baseline.
    const snap = () => ({ hook: counter.snapshot(), active: activeResources() })
    const grown = (a: ReturnType<typeof snap>) => ({ ...growth(before.hook, a.hook), ...growth(before.active, a.active) })
    let after = snap()
    for (let i = 0; i < 40 && Object.keys(grown(after)).length > 0; i++) {
      await sleep(250)
      await new Promise((r) => setImmediate(r))
      after = snap()
    }
    console.log(`[faults] hang-ups: ${CALLS} calls (${Object.entries(ways).map(([w, n]) => `${w} ${n}`).join(', ')}); ` +
      `pool running+queued ${app().pool.running + app().pool.queued}, tts_active_calls ${await metric('tts_active_calls')}, ` +
      `async resources made during the calls ${JSON.stringify(growth(madeBefore, counter.created()))}, more live than before ${JSON.stringify(growth(before.hook, after.hook))}; ` +
      `loop handles before ${JSON.stringify(before.active)} after ${JSON.stringify(after.active)}`)
    if (process.env.FAULT_DEBUG) for (const type of Object.keys(growth(before.hook, after.hook))) console.log(type, counter.stacks(type))
    expect(growth(before.hook, after.hook)).toEqual({})
    expect(growth(before.active, after.active)).toEqual({})

    // Every call ended as Twilio would see it, except those dropped before their start was checked.
    const statuses = await Promise.all(sids.map(async (s) => (await findCall(rig.db, s))?.status))
    expect(statuses.filter((s) => s !== 'completed').length).toBeLessThanOrEqual(ways['drop during start'])
  })
})
