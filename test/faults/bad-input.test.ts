// Bad input at volume against the real process (`node --import tsx src/main.ts`): thousands of
// malformed HTTP requests made from the service's own OpenAPI document (/docs/json) against every
// route it lists, plus Twilio's two webhooks (signed, unsigned and wrongly signed), raw bytes no
// HTTP parser should accept, and malformed WebSocket messages on /twilio/media (with no signature,
// with a signature but no start, and after a valid signature and start). Not one 5xx, the process
// stays up, and its memory returns to its baseline.
//
// Memory: the child runs with --expose-gc and a probe (test/helpers/fault-probe.ts) that, on
// SIGUSR2, collects garbage and reports heapUsed. The baseline is taken after a warm-up round of
// the same kinds of input (so what is built once, compiled validators, prepared statements, pools,
// exists before it), the second figure after the rest. heapUsed after a full GC is what the
// process really holds; the slack (16 MB, against a heap of ~40 MB) leaves room for V8's own
// variation and bounded caches, and still catches a per-request leak: 1 KB kept per request over
// thousands of requests, or any request body (up to 64 KB) kept. RSS is reported, not asserted: the
// allocator keeps freed pages, so RSS does not come back down after a peak even without a leak.
//
// FAULT_FUZZ_REQUESTS (default 3000) and FAULT_FUZZ_SEED set the volume and the seed.
import { connect } from 'node:net'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKey } from '../../src/store/keys.js'
import { childDatabase, type ChildDatabase } from '../helpers/fault-db.js'
import { fuzz, fuzzForm, operations, prng, rawGarbage, wsGarbage, type FuzzRequest } from '../helpers/fault-fuzz.js'
import { waitFor } from '../helpers/fault-net.js'
import { PROBE, spawnService, type Probe, type Service } from '../helpers/fault-service.js'
import { startTwilioApi, type TwilioApi } from '../helpers/twilio-api.js'
import { ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE, openStream, postWebhook, type CallApp } from '../helpers/twilio-app.js'
import { TwilioStream, sid } from '../helpers/twilio-stream.js'
import fc from 'fast-check'

const HTTP_REQUESTS = Number(process.env.FAULT_FUZZ_REQUESTS ?? 3000)
const SEED = Number(process.env.FAULT_FUZZ_SEED ?? 20261126)
const CONCURRENCY = 16
const HEAP_SLACK = 16 * 1024 * 1024
const MB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`

let svc: Service | undefined
let db: ChildDatabase | undefined
let api: TwilioApi | undefined

beforeAll(async () => {
  api = await startTwilioApi(ACCOUNT_SID, AUTH_TOKEN)
  db = await childDatabase()
  svc = await spawnService({
    nodeArgs: ['--expose-gc', '--import', PROBE],
    env: {
      ...db.env,
      LOG_LEVEL: 'warn',
      PUBLIC_BASE_URL: PUBLIC_BASE,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_API_BASE_URL: api.url,
      TWILIO_PHONE_NUMBER: '+15005550006',
      ALLOWED_DIAL_PREFIXES: '+1,+44',
      IP_REQUESTS_PER_MINUTE: '100000000',
      AUTH_FAILURES_PER_MINUTE: '100000000',
      CACHE_BYTES: '0', // the segment cache is bounded by design; kept out of the memory figures
      MAX_CALLS_PER_KEY: '5',
    },
  })
})

afterAll(async () => {
  await svc?.kill()
  await db?.drop()
  await api?.close()
})

interface Tally {
  tried: number
  statuses: Record<number, number>
  /** No HTTP answer, by reason. */
  noAnswer: Record<string, number>
  /** What got a 5xx (or no answer where one was due), for the failure message. */
  bad: string[]
  /** 4xx answers not in the error shape (from our handlers; Node's own parser errors excepted). */
  shapeless: string[]
}

const tally = (): Tally => ({ tried: 0, statuses: {}, noAnswer: {}, bad: [], shapeless: [] })
const add = (t: Tally, status: number, label: string) => {
  t.statuses[status] = (t.statuses[status] ?? 0) + 1
  if (status >= 500 && t.bad.length < 20) t.bad.push(`${status} ← ${label}`)
}
const miss = (t: Tally, why: string, label: string, due: boolean) => {
  t.noAnswer[why] = (t.noAnswer[why] ?? 0) + 1
  if (due && t.bad.length < 20) t.bad.push(`no answer (${why}) ← ${label}`)
}

/** Runs `jobs` with at most `n` at once. */
async function pool<T>(items: T[], n: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await job(items[next++])
  }))
}

async function isErrorShape(res: Response): Promise<boolean> {
  try {
    const body = (await res.json()) as { error?: Record<string, unknown> }
    return Object.keys(body).length === 1 && typeof body.error?.code === 'string' && typeof body.error?.message === 'string' && typeof body.error?.request_id === 'string'
  } catch {
    return false
  }
}

async function sendHttp(t: Tally, r: FuzzRequest): Promise<void> {
  t.tried++
  let res: Response
  try {
    res = await fetch(svc!.url + r.path, { method: r.method, headers: r.headers, body: typeof r.body === 'string' ? r.body : r.body && new Uint8Array(r.body) })
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    // A body larger than the limit may be cut off by the server's early 413 and close.
    const why = cause?.code ?? cause?.message ?? (err as Error).message
    miss(t, why, r.label, !(r.body && r.body.length > 64 * 1024))
    return
  }
  add(t, res.status, r.label)
  if (res.status >= 400 && res.status < 500 && r.method !== 'HEAD' && !(await isErrorShape(res))) {
    if (t.shapeless.length < 20) t.shapeless.push(`${res.status} ← ${r.label}`)
  } else if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel() // GET /v1/calls/events admitted: an endless stream
  } else {
    await res.arrayBuffer().catch(() => {})
  }
}

const TWILIO_FORM = { 'content-type': 'application/x-www-form-urlencoded' }

async function sendForm(t: Tally, f: ReturnType<typeof fuzzForm>, signing: number): Promise<void> {
  t.tried++
  const body = new URLSearchParams(f.params).toString()
  // Sign what the server will parse: the same URLSearchParams reading of the body.
  const parsed: Record<string, string> = {}
  for (const [k, v] of new URLSearchParams(body)) parsed[k] = v
  const signature = signing < 7 ? twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_BASE + f.path, parsed) : signing < 9 ? 'bm90IGEgc2lnbmF0dXJl' : null
  try {
    const res = await fetch(svc!.url + f.path, { method: 'POST', headers: { ...TWILIO_FORM, ...(signature ? { 'x-twilio-signature': signature } : {}) }, body })
    add(t, res.status, `${f.label} (${signature ? 'signed' : 'unsigned'})`)
    await res.arrayBuffer()
  } catch (err) {
    miss(t, (err as { cause?: { code?: string } }).cause?.code ?? 'error', f.label, body.length <= 64 * 1024)
  }
}

/** Raw bytes on a new connection; the status line of the answer, if one comes within a second. */
function sendRaw(t: Tally, data: Buffer, label: string): Promise<void> {
  t.tried++
  return new Promise((resolve) => {
    const s = connect(svc!.port, '127.0.0.1')
    let got = ''
    const done = () => {
      clearTimeout(timer)
      s.destroy()
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got)
      if (m) add(t, Number(m[1]), label)
      else miss(t, got ? 'not HTTP' : 'closed or silent', label, false)
      resolve()
    }
    const timer = setTimeout(done, 1000)
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1')
      if (/\r\n\r\n/.test(got)) done()
    })
    s.on('error', done)
    s.on('close', done)
    s.write(data)
  })
}

interface WsTally {
  connections: number
  messages: number
  refused: Record<string, number>
  closes: Record<string, number>
  bad: string[]
}

/** Garbage on /twilio/media: after a signed upgrade and a valid start, after a signed upgrade only, or with no or a wrong signature. */
async function wsSession(w: WsTally, kind: 'started' | 'no start' | 'unsigned' | 'wrong signature', seed: number, bytes: Buffer[]): Promise<void> {
  w.connections++
  const rng = prng(seed)
  const target = { url: svc!.url } as CallApp
  let stream: TwilioStream
  try {
    if (kind === 'started') {
      const hook = await postWebhook(target, '/twilio/voice', { CallSid: sid('CA'), From: '+15550001111', To: '+15005550006', CallStatus: 'ringing', Direction: 'inbound' })
      if (hook.status >= 500) w.bad.push(`voice webhook ${hook.status}`)
      stream = await openStream(target, await hook.text(), { speed: 50 })
    } else {
      stream = await TwilioStream.open({
        url: `${svc!.url.replace(/^http/, 'ws')}/twilio/media`,
        signedUrl: `${PUBLIC_BASE.replace(/^https/, 'wss')}/twilio/media`,
        authToken: AUTH_TOKEN,
        signature: kind === 'unsigned' ? null : kind === 'wrong signature' ? 'bm9wZQ==' : undefined,
      })
    }
  } catch (err) {
    const status = (err as { status?: number }).status
    const why = status ? String(status) : (err as Error).message
    w.refused[why] = (w.refused[why] ?? 0) + 1
    if ((status ?? 0) >= 500 || (!status && kind !== 'unsigned' && kind !== 'wrong signature')) w.bad.push(`${kind}: upgrade ${why}`)
    return
  }
  if (kind === 'unsigned' || kind === 'wrong signature') w.bad.push(`${kind}: upgrade accepted`)
  for (let i = 0; i < 15 && !stream.isClosed; i++) {
    const g = wsGarbage(rng, stream.streamSid, bytes)
    if (stream.ws.readyState !== 1) break // OPEN
    stream.ws.send(g.data, { binary: g.binary })
    w.messages++
    await new Promise((r) => setImmediate(r))
  }
  // Refused by now (too many protocol errors, or a frame over the limit); else hang up ourselves.
  const closed = await Promise.race([stream.closed, new Promise<null>((r) => setTimeout(r, 2000, null))])
  if (!closed) stream.ws.terminate()
  const code = closed ? String(closed.code) : 'still open: closed by the test'
  w.closes[code] = (w.closes[code] ?? 0) + 1
}

async function wsRound(w: WsTally, n: number, seed: number, bytes: Buffer[]): Promise<void> {
  const kinds = ['started', 'started', 'no start', 'unsigned', 'wrong signature'] as const
  await pool(Array.from({ length: n }, (_, i) => i), 8, (i) => wsSession(w, kinds[i % kinds.length], seed + i, bytes))
}

async function activeCalls(): Promise<number> {
  const text = await (await fetch(`${svc!.url}/metrics`)).text()
  return Number(/^tts_active_calls (\d+)/m.exec(text)?.[1] ?? NaN)
}

describe('what the fuzzing found', () => {
  const send = (method: string, path: string, body?: unknown) =>
    fetch(svc!.url + path, { method, headers: { 'x-api-key': db!.key, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined })

  // PostgreSQL refuses U+0000 in text: a field that passed validation and was then stored was a 500.
  it.each([
    ['PUT', '/v1/numbers/%2B15005550099', { greeting: 'Hello\u0000there', voice_id: 'kal' }],
    ['POST', '/v1/calls', { to: '+15551234567', text: 'Hello\u0000there' }],
  ])('%s %s with a NUL in stored text → 400 in the error shape', async (method, path, body) => {
    const res = await send(method, path, body)
    expect(res.status).toBe(400)
    expect(await isErrorShape(res)).toBe(true)
  })

  it('a signed Twilio webhook with a NUL in a field → 4xx', async () => {
    const res = await postWebhook({ url: svc!.url } as CallApp, '/twilio/voice', { CallSid: sid('CA'), From: '+1555\u0000', To: '+15005550006', CallStatus: 'ringing' })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
  })

  // The router's own errors had Fastify's shape, with the path echoed back.
  it.each([`/v1/calls/CA${'a'.repeat(200)}`, '/v1/calls/%E0%A4%A', '/v1/numbers/%'])('GET %s → 400 in the error shape', async (path) => {
    const res = await send('GET', path)
    expect(res.status).toBe(400)
    expect(await isErrorShape(res)).toBe(true)
  })
})

describe('bad input at volume', () => {
  it('never answers 5xx, stays up, and returns to its memory baseline', async () => {
    const s = svc!
    const doc = await (await fetch(`${s.url}/docs/json`)).json()
    const ops = operations(doc)
    expect(ops.length).toBeGreaterThan(10)
    const unknownKey = generateKey({ name: 'never stored' }).key
    const requests = fuzz(ops, { count: HTTP_REQUESTS, seed: SEED, key: db!.key, unknownKey })
    const rng = prng(SEED + 7)
    const bytes = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { seed: SEED + 3, numRuns: 50 }).map((b) => Buffer.from(b))
    const http = tally()
    const forms = tally()
    const raw = tally()
    const ws: WsTally = { connections: 0, messages: 0, refused: {}, closes: {}, bad: [] }

    // Round 1: warm-up, then the baseline.
    const warm = Math.max(300, Math.floor(HTTP_REQUESTS / 5))
    await pool(requests.slice(0, warm), CONCURRENCY, (r) => sendHttp(http, r))
    await pool(Array.from({ length: 60 }, () => fuzzForm(rng, () => sid('CA'))), CONCURRENCY, (f) => sendForm(forms, f, rng.int(10)))
    await pool(Array.from({ length: 40 }, () => rawGarbage(rng, bytes)), CONCURRENCY, (g) => sendRaw(raw, g.data, g.label))
    await wsRound(ws, 20, SEED, bytes)
    await waitFor(async () => (await activeCalls()) === 0, 'no live call after the warm-up', 15_000, 100)
    const baseline: Probe = await s.probe()
    expect(baseline.gc, 'the probe could collect garbage (--expose-gc)').toBe(true)

    // Round 2: the rest.
    await pool(requests.slice(warm), CONCURRENCY, (r) => sendHttp(http, r))
    await pool(Array.from({ length: 240 }, () => fuzzForm(rng, () => sid('CA'))), CONCURRENCY, (f) => sendForm(forms, f, rng.int(10)))
    await pool(Array.from({ length: 160 }, () => rawGarbage(rng, bytes)), CONCURRENCY, (g) => sendRaw(raw, g.data, g.label))
    await wsRound(ws, 80, SEED + 1000, bytes)
    await waitFor(async () => (await activeCalls()) === 0, 'no live call left', 15_000, 100)
    const after: Probe = await s.probe()

    // Still up and well.
    expect(s.proc.exitCode).toBeNull()
    expect((await fetch(`${s.url}/health`)).status).toBe(200)
    // A client's oversized or malformed frame is its fault: a warning, never an error.
    const wsTooBig = s.logs.filter((l) => l.msg === 'media stream socket error').length
    const errors = s.logs.filter((l) => (l.level ?? 0) >= 50)
    if (process.env.FAULT_DEBUG) {
      for (const l of errors.slice(0, 8)) console.log(JSON.stringify(l).slice(0, 1500))
      console.log(http.shapeless)
    }

    const fmt = (o: Record<string, number>) => Object.entries(o).map(([k, n]) => `${k}×${n}`).join(' ') || 'none'
    console.log(`[faults] bad input: HTTP ${http.tried} (${fmt(http.statuses)}; no answer ${fmt(http.noAnswer)}; not in the error shape ${http.shapeless.length}), ` +
      `Twilio webhooks ${forms.tried} (${fmt(forms.statuses)}), raw ${raw.tried} (${fmt(raw.statuses)}; no answer ${fmt(raw.noAnswer)}), ` +
      `WebSocket ${ws.connections} connections / ${ws.messages} messages (refused ${fmt(ws.refused)}; closed ${fmt(ws.closes)}); error logs ${errors.length} (socket errors from bad frames, logged as warnings: ${wsTooBig})`)
    console.log(`[faults] bad input memory after GC: heapUsed ${MB(baseline.heapUsed)} → ${MB(after.heapUsed)}, external ${MB(baseline.external)} → ${MB(after.external)}, ` +
      `arrayBuffers ${MB(baseline.arrayBuffers)} → ${MB(after.arrayBuffers)}, rss ${MB(baseline.rss)} → ${MB(after.rss)}; handles ${fmt(baseline.resources)} → ${fmt(after.resources)}`)

    const fiveXX = (t: { statuses: Record<number, number> }) => Object.entries(t.statuses).filter(([c]) => Number(c) >= 500).reduce((a, [, n]) => a + n, 0)
    expect(http.bad).toEqual([])
    expect(forms.bad).toEqual([])
    expect(raw.bad).toEqual([])
    expect(ws.bad).toEqual([])
    expect(fiveXX(http) + fiveXX(forms) + fiveXX(raw)).toBe(0)
    expect(http.shapeless).toEqual([])
    expect(errors.map((l) => l.msg)).toEqual([])
    expect(after.heapUsed).toBeLessThan(baseline.heapUsed + HEAP_SLACK)
    expect(after.arrayBuffers).toBeLessThan(baseline.arrayBuffers + HEAP_SLACK)
  })
})
