// Issue 4's call figures, on loopback. The service runs in this process (PGlite on disk, cache
// off, the default call voice); the callers run in a child process (this file with `clients`), so
// playing Twilio's side neither shares the server's event loop nor shows up in its memory.
//  1. Time from `start` to the first `media` frame, p50/p99, beside the synthesizer's own time to
//     first audio measured in the same run on the same pool.
//  2. Concurrent calls: calls start 10 a second, each hears its own ~30 s passage in real time,
//     until N are live at once. The largest N at which no call's audio ever ran dry (the caller's
//     buffer empty between two frames of the same speech), with p99 time to first frame, and the
//     server's CPU (all its threads, synthesis included) and live memory per call.
//  3. Calls while REST requests flood the same synthesis pool: clients post fresh texts back to
//     back, with more work queued than the workers can do, while calls hear their passages in real
//     time. Speech a caller hears goes ahead of REST work, so no call may run dry.
// `npm run bench -- calls`; BENCH_STAGES=150,200 sets the stages, CALL_VOICE the voice,
// BENCH_TTFF_RUNS the number of calls in figure 1. BENCH_AGENT=1 runs figure 2 only, as issue 11
// asks: every call handed to an agent (a stand-in in the callers' process, streaming the passage as text,
// a word every 20 ms), and every caller sending line noise in real time, which the VAD listens to.
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import { runInNewContext } from 'node:vm'
import type { AddressInfo } from 'node:net'
import twilio from 'twilio'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { openDb } from '../src/store/db.js'
import { TwilioStream, parseStreamTwiml, sid } from '../test/helpers/twilio-stream.js'
import { figure, ms, percentile } from './stats.js'
import { read } from '../src/speech/read.js'
import { lineNoiseFrames } from '../test/helpers/caller-voice.js'
import { startAgentApp } from '../test/helpers/agent-app.js'

// bench/run.ts starts each benchmark without --expose-gc; memory per call is measured after a
// full collection, so garbage not yet collected is not counted as a call's.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
/** Live memory: the JS heap plus what buffers and typed arrays hold outside it. */
async function liveBytes(): Promise<number> {
  // Twice, with a pause: array buffer backing stores are freed by a background task.
  gc()
  await new Promise((r) => setTimeout(r, 200))
  gc()
  const m = process.memoryUsage()
  // Not `external`: it also counts PGlite's WebAssembly memory, which grows with the database.
  return m.heapUsed + m.arrayBuffers
}

const PUBLIC_BASE = 'https://calls.example.test'
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`
const AUTH_TOKEN = 'bench-auth-token'
const GREETING = 'Thank you for calling Acme Dental, how can we help you today? Our office is open nine to five, Monday through Friday.'
const TTFF_RUNS = Number(process.env.BENCH_TTFF_RUNS ?? 150)
const STAGES = (process.env.BENCH_STAGES ?? '150,200,250,300').split(',').map(Number)
const START_RATE = 10 // calls a second
const AGENT = process.env.BENCH_AGENT === '1'
/** Issue 12's figures, for each of these voices (BENCH_CAPACITY=slt,kal16); then nothing else runs. */
const CAPACITY = (process.env.BENCH_CAPACITY ?? '').split(',').filter(Boolean)

// --- the callers (child process) ----------------------------------------------------------------

interface CallReport {
  id: number
  ttffMs: number
  underruns: number
  maxGapMs: number
  frames: number
  violations: string[]
  failed?: string
  /** Answered with <Reject reason="busy"/>. */
  refused?: boolean
}

type Call = { type: 'call'; id: number; url: string; to: string; speed: number; hangUpAfterFirst: boolean; say?: string }
type ToClients = Call | { type: 'flood'; url: string; key: string; clients: number } | { type: 'stop flood' } | { type: 'cpu' }
type FromClients = { type: 'live'; id: number } | { type: 'done'; report: CallReport } | { type: 'flooded'; ok: number; failed: number } | { type: 'agent'; url: string } | { type: 'cpu'; seconds: number }

let flooding = false
const LINE = AGENT && process.argv[2] === 'clients' ? lineNoiseFrames(1) : []

/** `clients` loops, each posting a fresh six-sentence text to /v1/tts as soon as the last one ended. */
async function flood(c: Extract<ToClients, { type: 'flood' }>): Promise<{ ok: number; failed: number }> {
  flooding = true
  let ok = 0
  let failed = 0
  await Promise.all(Array.from({ length: c.clients }, async (_, i) => {
    for (let n = 0; flooding; n++) {
      const text = Array.from({ length: 6 }, (_, k) => `Client ${i}, request ${n}, sentence ${k + 1}: here are some more words to say.`).join(' ')
      try {
        const res = await fetch(`${c.url}/v1/tts`, { method: 'POST', headers: { 'x-api-key': c.key, 'content-type': 'application/json' }, body: JSON.stringify({ text, voice_id: 'slt', format: 'mulaw' }) })
        await res.arrayBuffer()
        if (res.ok) ok++
        else failed++
      } catch {
        failed++
      }
    }
  }))
  return { ok, failed }
}

async function runCall(c: Call): Promise<CallReport> {
  const callSid = sid('CA')
  const params = { CallSid: callSid, AccountSid: ACCOUNT_SID, From: '+15550001111', To: c.to, CallStatus: 'ringing', Direction: 'inbound' }
  const res = await fetch(`${c.url}/twilio/voice`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_BASE}/twilio/voice`, params) },
    body: new URLSearchParams(params).toString(),
  })
  const twiml = await res.text()
  if (twiml.includes('<Reject')) return { id: c.id, ttffMs: NaN, underruns: 0, maxGapMs: 0, frames: 0, violations: [], refused: true }
  const { url, parameters } = parseStreamTwiml(twiml)
  const stream = await TwilioStream.open({ url: c.url.replace('http', 'ws') + new URL(url).pathname, signedUrl: url, authToken: AUTH_TOKEN, callSid, accountSid: ACCOUNT_SID, speed: c.speed })
  stream.begin(parameters)
  // The caller's line: quiet noise, a frame every 20 ms, as Twilio sends it, for the VAD to hear.
  if (AGENT) void stream.sendPaced(Array.from({ length: 50 * 600 }, (_, i) => LINE[i % LINE.length]))
  await stream.until(() => stream.count('media') > 0, 'first media', 60_000)
  const ttffMs = stream.firstMediaAt - stream.startSentAt
  process.send!({ type: 'live', id: c.id } satisfies FromClients)
  let failed: string | undefined
  if (!c.hangUpAfterFirst) await stream.echoOf('e', 120_000).catch((err: Error) => (failed = err.message))
  stream.sendStop()
  await stream.closed
  return { id: c.id, ttffMs, underruns: stream.underruns, maxGapMs: stream.maxGapMs, frames: stream.count('media'), violations: stream.violations, failed }
}


// --- the service (this process) -----------------------------------------------------------------

async function main(): Promise<void> {
  // PGlite on disk, as `npm start` runs it: in memory:// its files would live in this process's
  // memory and grow with every row, which is not memory a call holds.
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-calls-bench-'))
  const db = await openDb({ dataDir })
  const config = {
    ...loadConfig({
      LOG_LEVEL: 'warn', DATA_DIR: 'memory://', CACHE_BYTES: '0', SYNTHESIS_WORKERS: '2',
      PUBLIC_BASE_URL: PUBLIC_BASE, TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      IP_REQUESTS_PER_MINUTE: '1000000', CALL_VOICE: process.env.CALL_VOICE,
    }),
  }
  const app = await buildApp(config, { db, logStream: { write: () => {} } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const voice = config.calls.defaultVoice
  const clients = fork(fileURLToPath(import.meta.url), ['clients'], { execArgv: ['--import', 'tsx'] })
  const done = new Map<number, (r: CallReport) => void>()
  const live = new Set<number>()
  let flooded: (r: { ok: number; failed: number }) => void = () => {}
  let agentReady: (url: string) => void = () => {}
  const agentUrl = new Promise<string>((resolve) => (agentReady = resolve))
  let cpuReply: (seconds: number) => void = () => {}
  /** CPU time (user + system, s) the callers' process has used. */
  const callerCpu = () => new Promise<number>((resolve) => {
    cpuReply = resolve
    clients.send({ type: 'cpu' } satisfies ToClients)
  })
  clients.on('message', (m: FromClients) => {
    if (m.type === 'cpu') cpuReply(m.seconds)
    else if (m.type === 'agent') agentReady(m.url)
    else if (m.type === 'live') live.add(m.id)
    else if (m.type === 'flooded') flooded(m)
    else {
      live.delete(m.report.id)
      done.get(m.report.id)?.(m.report)
    }
  })
  let nextId = 1
  const call = (to: string, speed: number, hangUpAfterFirst: boolean, say?: string) => {
    const id = nextId++
    const report = new Promise<CallReport>((resolve) => done.set(id, resolve))
    clients.send({ type: 'call', id, url, to, speed, hangUpAfterFirst, say } satisfies ToClients)
    return report
  }

  const restFlood: RestFlood = async (clientCount, during) => {
    const { createKey } = await import('../src/store/keys.js')
    const { key } = await createKey(app.db, { name: 'flood', scopes: ['tts'], rateLimitPerMinute: 1_000_000, monthlyCharLimit: 1_000_000_000 })
    const result = new Promise<{ ok: number; failed: number }>((resolve) => (flooded = resolve))
    clients.send({ type: 'flood', url, key, clients: clientCount } satisfies ToClients)
    await during()
    clients.send({ type: 'stop flood' } satisfies ToClients)
    return result
  }

  try {
    if (AGENT) return await concurrency(app, voice, call, live, callerCpu, agentUrl)
    if (CAPACITY.length) {
      for (const v of CAPACITY) await capacity(app, v, call, live, callerCpu)
      return
    }
    await timeToFirstMedia(app, voice, call)
    await concurrency(app, voice, call, live, callerCpu)
    await callsDuringFlood(app, voice, call, restFlood)
  } finally {
    clients.kill()
    await app.close()
    await db.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

type App = Awaited<ReturnType<typeof buildApp>>
type Place = (to: string, speed: number, hangUpAfterFirst: boolean, say?: string) => Promise<CallReport>
/** REST clients posting fresh texts from the child process while `during` runs; their results. */
type RestFlood = (clients: number, during: () => Promise<void>) => Promise<{ ok: number; failed: number }>

async function timeToFirstMedia(app: Awaited<ReturnType<typeof buildApp>>, voice: string, call: Place): Promise<void> {
  const { putNumber } = await import('../src/store/numbers.js')
  await putNumber(app.db, { e164: '+15005550006', greeting: GREETING, voice, bargeInDigit: null })
  // The server's own view (start received → first frame handed to the socket), beside the caller's.
  const served: number[] = []
  const observe = app.telephony.metrics.firstMedia
  app.telephony.metrics.firstMedia = (s) => (served.push(s * 1000), observe(s))
  const ttfa = async () => {
    const controller = new AbortController()
    const start = performance.now()
    for await (const chunk of app.synth.stream(read(GREETING, app.synth.voice(voice)!, 1), { signal: controller.signal })) {
      if (chunk.samples.length > 0) break
    }
    return performance.now() - start
  }
  for (let i = 0; i < 20; i++) {
    await ttfa()
    await call('+15005550006', 1, true)
  }
  const synth: number[] = []
  const ttff: number[] = []
  // Each measurement starts on an idle pool: a cancelled Flite segment still runs to its end, so
  // the look-ahead of the one before would otherwise hold a worker.
  const idle = async () => {
    while (app.pool.running + app.pool.queued > 0) await new Promise((r) => setTimeout(r, 2))
  }
  for (let i = 0; i < TTFF_RUNS; i++) {
    synth.push(await ttfa())
    await idle()
    ttff.push((await call('+15005550006', 1, true)).ttffMs)
    await idle()
  }
  const [p50, p99, s50, s99] = [percentile(ttff, 50), percentile(ttff, 99), percentile(synth, 50), percentile(synth, 99)]
  const server = served.slice(-TTFF_RUNS)
  console.log(`first segment: "${read(GREETING, app.synth.voice(voice)!)[0].text}" (${voice}, cache off, ${TTFF_RUNS} calls one after another)`)
  figure('time from start to first media frame', `p50 ${ms(p50)}, p99 ${ms(p99)}`,
    `synthesizer time to first audio p50 ${ms(s50)}, p99 ${ms(s99)}; ratio ${(p50 / s50).toFixed(2)}x; server side p50 ${ms(percentile(server, 50))}`,
    'p50 <= 1.3x synthesizer + 5 ms', p50 <= 1.3 * s50 + 5)
}

const SENTENCES = [
  'Thank you for calling the city library information line.',
  'Our main branch is open from nine in the morning until eight in the evening, Monday through Thursday.',
  'On Fridays and Saturdays we close at five, and on Sundays we open at noon.',
  'To renew a book, please have your library card number ready.',
  'Items may be renewed up to three times, unless another reader has placed a hold on them.',
  'Computers may be reserved for up to two hours a day.',
  'Thank you for your patience, and have a wonderful day.',
]

/** Its own passage for each call: the same length, but different words (nothing could be shared). */
function passage(n: number): string {
  return `Caller number ${n}. ${SENTENCES.join(' ')} Your reference is ${String(n).split('').join(' ')}.`
}

interface Stage {
  n: number
  /** Calls live at once on the plateau. */
  reached: number
  reports: CallReport[]
  failed: CallReport[]
  p50: number
  p99: number
  worstGap: number
  /** Server CPU (every thread) and live memory per call; cores outside the pool per call (the server's event loop and the callers' process). */
  cpuPerCall: number
  kbPerCall: number
  rssKbPerCall: number
  outsideCoresPerCall: number
  plateauS: number
}

/** `n` calls, each to its own number saying its own passage, started 10 a second; measured once all are live. */
async function stage(app: App, voice: string, call: Place, live: Set<number>, callerCpu: () => Promise<number>, n: number, agentUrl: string | null): Promise<Stage> {
  const { putNumber } = await import('../src/store/numbers.js')
  const numbers: string[] = []
  for (let i = 0; i < n; i++) {
    const e164 = `+1500555${String(numberSeq++).padStart(4, '0')}`
    said.set(e164, passage(numberSeq))
    await putNumber(app.db, agentUrl
      ? { e164, greeting: null, voice, bargeInDigit: null, agent: { url: agentUrl } }
      : { e164, greeting: passage(numberSeq), voice, bargeInDigit: null })
    numbers.push(e164)
  }
  const baseLive = await liveBytes()
  const baseRss = process.memoryUsage().rss
  const reports: Promise<CallReport>[] = []
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    // On a fixed schedule, so a slow moment does not lower the rate.
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + (i * 1000) / START_RATE - performance.now())))
    reports.push(call(numbers[i], 1, false, said.get(numbers[i])))
  }
  // The plateau: from the moment all n are live until the first one ends.
  await until(() => live.size >= n || performance.now() - t0 > (n / START_RATE + 20) * 1000)
  const reached = live.size
  const cpu0 = process.cpuUsage()
  const elu0 = performance.eventLoopUtilization()
  const caller0 = await callerCpu()
  const w0 = performance.now()
  let peakRss = 0
  const samples: number[] = []
  while (live.size >= n * 0.98 && performance.now() - w0 < 10_000) {
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
    await new Promise((r) => setTimeout(r, 250))
  }
  const cpu = process.cpuUsage(cpu0)
  const elu = performance.eventLoopUtilization(elu0)
  const callerS = (await callerCpu()) - caller0
  const wallS = (performance.now() - w0) / 1000
  // Live memory at a few moments of the plateau (each after a full GC; taken after the CPU
  // window, since a collection costs CPU).
  for (let i = 0; i < 3 && live.size >= n * 0.95; i++) {
    samples.push(await liveBytes())
    await new Promise((r) => setTimeout(r, 500))
  }
  const all = await Promise.all(reports)
  await until(() => app.telephony.hub.size === 0 && app.pool.running + app.pool.queued === 0)
  const ttff = all.filter((r) => !r.refused).map((r) => r.ttffMs)
  return {
    n, reached, reports: all,
    failed: all.filter((r) => r.failed || r.underruns > 0 || r.violations.length > 0),
    p50: percentile(ttff, 50), p99: percentile(ttff, 99),
    worstGap: Math.max(...all.map((r) => r.maxGapMs)),
    cpuPerCall: ((cpu.user + cpu.system) / 1e6 / wallS / reached) * 100,
    kbPerCall: (Math.max(...samples) - baseLive) / 1024 / reached,
    rssKbPerCall: (peakRss - baseRss) / 1024 / reached,
    outsideCoresPerCall: (elu.utilization + callerS / wallS) / reached,
    plateauS: wallS,
  }
}

function report(s: Stage): void {
  console.log(`  ${s.n} calls: ${s.reached} live at once, ${s.failed.length} with an underrun or error (worst gap ${s.worstGap.toFixed(0)} ms), ` +
    `time to first frame p50 ${ms(s.p50)} p99 ${ms(s.p99)}, ` +
    `server CPU ${s.cpuPerCall.toFixed(2)}% of a core per call, memory ${s.kbPerCall.toFixed(0)} KB per call live after GC (RSS grew ${s.rssKbPerCall.toFixed(0)} KB per call; plateau ${s.plateauS.toFixed(1)} s)`)
  const f = s.failed.find((r) => r.failed || r.violations.length)
  if (f) console.log(`    e.g. call ${f.id}: ${f.failed ?? f.violations[0]}`)
}

let numberSeq = 100
/** With BENCH_AGENT, what each number's agent says (the agent runs beside the callers). */
const said = new Map<string, string>()

async function passageSeconds(app: App, voice: string): Promise<number> {
  let audioS = 0
  for await (const c of app.synth.stream(read(passage(1), app.synth.voice(voice)!, 1))) audioS += c.samples.length / app.synth.voice(voice)!.sampleRate
  return audioS
}

async function concurrency(app: App, voice: string, call: Place, live: Set<number>, callerCpu: () => Promise<number>, agentReady?: Promise<string>): Promise<void> {
  const audioS = await passageSeconds(app, voice)
  console.log(`passage: ${audioS.toFixed(1)} s of audio per call; calls start ${START_RATE}/s`)
  let best: Stage | null = null
  const agentUrl = AGENT ? await agentReady! : null
  for (const n of STAGES) {
    const s = await stage(app, voice, call, live, callerCpu, n, agentUrl)
    report(s)
    if (s.failed.length > 0) break
    best = s
  }
  if (!best) {
    figure('concurrent calls without underrun', `N < ${STAGES[0]}`, 'every stage had an underrun', 'N >= 150, p99 first frame <= 250 ms, <= 300 KB/call', false)
    return
  }
  // Calls last the passage's length, so 10 a second can never have more than 10 × that live.
  const ceiling = Math.round(START_RATE * audioS)
  if (best.n >= STAGES[STAGES.length - 1]) console.log(`  (every stage passed: calls of ${audioS.toFixed(1)} s started ${START_RATE}/s are never many more than ${ceiling} at once)`)
  figure(`concurrent calls without underrun${AGENT ? ' (an agent and the VAD on every call)' : ''}`, `N ${best.n >= STAGES[STAGES.length - 1] ? '>=' : '='} ${best.reached}`,
    `p99 time to first frame ${ms(best.p99)}, server CPU ${best.cpuPerCall.toFixed(2)}% of a core and ${best.kbPerCall.toFixed(0)} KB per call`,
    'N >= 150, p99 first frame <= 250 ms, <= 300 KB/call', best.reached >= 150 && best.p99 <= 250 && best.kbPerCall <= 300)
}

/** Seconds of `voice` audio the pool makes per second, flat out for `ms` (no calls meanwhile, cache off). */
async function throughput(app: App, voice: string, ms: number): Promise<number> {
  const v = app.synth.voice(voice)!
  let audioS = 0
  let k = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: app.pool.size * 2 }, async () => {
    while (performance.now() - t0 < ms) {
      for await (const c of app.synth.stream(read(passage(1_000_000 + k++), v, 1))) audioS += c.samples.length / v.sampleRate
    }
  }))
  return audioS / ((performance.now() - t0) / 1000)
}

/**
 * Issue 12. 1: the pool's throughput for the voice, the physical limit on live calls it gives, and
 * the largest N with no underrun, searched from 0.85 × that limit up. 2: 20 % more calls than N,
 * with admission capped at N: the admitted never run dry, the rest hear busy, none hangs.
 */
async function capacity(app: App, voice: string, call: Place, live: Set<number>, callerCpu: () => Promise<number>): Promise<void> {
  const limits = app.admission.limits
  const configured = { ...limits }
  // Figure 1 measures what the machine can do, so admission stays out of its way.
  Object.assign(limits, { maxLoad: Infinity, maxLive: 0 })
  const cores = availableParallelism()
  await throughput(app, voice, 2000) // every worker has loaded the voice and warmed up
  const perS = await throughput(app, voice, 5000)
  const audioS = await passageSeconds(app, voice)
  console.log(`${voice}: the pool makes ${perS.toFixed(1)} s of audio a second (${app.pool.size} workers, ${cores} cores); each call's passage is ${audioS.toFixed(1)} s`)
  // What a call costs outside the pool (the server's event loop, the callers' process), at a light load.
  const probe = await stage(app, voice, call, live, callerCpu, Math.min(50, Math.round(perS * 0.4)), null)
  report(probe)
  const synthCores = Math.min(app.pool.size, cores) / perS
  const limit = Math.floor(cores / (synthCores + probe.outsideCoresPerCall))
  const bound = probe.outsideCoresPerCall > synthCores ? 'CPU per call outside the pool' : 'synthesis'
  console.log(`  per call: ${(synthCores * 100).toFixed(2)} % of a core in synthesis, ${(probe.outsideCoresPerCall * 100).toFixed(2)} % outside it ` +
    `(the server's event loop and the callers' process, which share these ${cores} cores); synthesis alone would serve ${Math.floor(perS)} calls`)
  console.log(`  physical limit: ${limit} calls (the bound: ${bound})`)
  // Up from 0.85 × the limit while no call runs dry; down from there if even that one did.
  let best: Stage | null = null
  const step = Math.max(1, Math.round(0.05 * limit))
  for (let n = Math.ceil(0.85 * limit); n > 0 && n <= Math.ceil(1.5 * limit); n += best ? step : -2 * step) {
    const s = await stage(app, voice, call, live, callerCpu, n, null)
    report(s)
    const clean = s.failed.length === 0 && s.reached >= n
    if (clean && (!best || s.reached > best.reached)) best = s
    else if (!clean && best) break
    if (clean && n < 0.85 * limit) break // the search went down: the first clean stage is N
  }
  const n = best?.reached ?? 0
  figure(`live calls without underrun (${voice})`, `N = ${n}`,
    `${(n / limit).toFixed(2)}x the physical limit of ${limit}; p99 time to first frame ${best ? ms(best.p99) : '-'}; pool ${perS.toFixed(1)} s of audio/s`,
    'N >= 0.85x the limit, p99 first frame <= 250 ms', best !== null && n >= 0.85 * limit && best.p99 <= 250)
  if (!best) {
    Object.assign(limits, configured)
    return
  }

  // Figure 2: the cap an operator sets from figure 1, and 20 % more calls than it offered.
  Object.assign(limits, { ...configured, maxLive: n })
  const offered = Math.ceil(1.2 * n)
  // The cap is on calls live at once: calls that ended give their place to later ones.
  let peak = 0
  const sampler = setInterval(() => (peak = Math.max(peak, app.admission.liveCount)), 50)
  const s = await stage(app, voice, call, live, callerCpu, offered, null)
  clearInterval(sampler)
  Object.assign(limits, configured)
  const refused = s.reports.filter((r) => r.refused).length
  const admitted = offered - refused
  const hung = s.reports.filter((r) => r.failed).length
  const dry = s.reports.filter((r) => r.underruns > 0 || r.violations.length > 0).length
  console.log(`  ${offered} calls offered with ADMISSION_MAX_LIVE=${n} and ADMISSION_MAX_LOAD=${configured.maxLoad * 100}: ${admitted} admitted, ${refused} refused busy, ` +
    `at most ${peak} live at once; time to first frame p99 ${ms(s.p99)}`)
  figure(`calls past the limit (${voice})`, `${dry} of ${admitted} admitted calls ran dry, ${refused} of ${offered} refused busy, ${hung} hung`,
    `20 % more calls than N = ${n}; at most ${peak} live at once`, 'none of the admitted runs dry, the rest refused, none hangs', dry === 0 && hung === 0 && refused > 0 && peak <= n)
}

const FLOOD_CLIENTS = 100
const FLOOD_CALLS = 20

async function callsDuringFlood(app: Awaited<ReturnType<typeof buildApp>>, voice: string, call: Place, restFlood: RestFlood): Promise<void> {
  const { putNumber } = await import('../src/store/numbers.js')
  const numbers: string[] = []
  for (let i = 0; i < FLOOD_CALLS; i++) {
    const e164 = `+1500556${String(i).padStart(4, '0')}`
    await putNumber(app.db, { e164, greeting: passage(10_000 + i), voice, bargeInDigit: null })
    numbers.push(e164)
  }
  let reports: CallReport[] = []
  let deepest = 0
  const depth = setInterval(() => (deepest = Math.max(deepest, app.pool.queued)), 100)
  const t0 = performance.now()
  const rest = await restFlood(FLOOD_CLIENTS, async () => {
    await new Promise((r) => setTimeout(r, 2000)) // the queue fills before the first call
    const placed: Promise<CallReport>[] = []
    for (const to of numbers) {
      placed.push(call(to, 1, false))
      await new Promise((r) => setTimeout(r, 1000 / START_RATE))
    }
    reports = await Promise.all(placed)
  })
  clearInterval(depth)
  const seconds = (performance.now() - t0) / 1000
  const failed = reports.filter((r) => r.failed || r.underruns > 0 || r.violations.length > 0)
  const worstGap = Math.max(...reports.map((r) => r.maxGapMs))
  figure('calls during a REST flood', `${failed.length} of ${FLOOD_CALLS} calls with an underrun or error`,
    `worst gap ${worstGap.toFixed(0)} ms, time to first frame p99 ${ms(percentile(reports.map((r) => r.ttffMs), 99))}; ` +
    `${FLOOD_CLIENTS} REST clients meanwhile: ${rest.ok} responses (${(rest.ok / seconds).toFixed(1)}/s), ${rest.failed} failed, up to ${deepest} segments queued`,
    'no call runs dry', failed.length === 0)
  await until(() => app.telephony.hub.size === 0 && app.pool.running + app.pool.queued === 0)
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20))
}

// Last, so that every constant above is initialized before main() runs.
/** The app's agent, for BENCH_AGENT: each call's passage as text, a word every 20 ms (an LLM at 50 tokens a second). */
async function runAgent(said: Map<string, string>): Promise<void> {
  const agents = await startAgentApp()
  const answered = new Set<unknown>()
  setInterval(() => {
    for (const socket of agents.sockets) {
      const setup = !answered.has(socket) && socket.messages.find((m) => m.type === 'setup')
      if (!setup) continue
      answered.add(socket)
      const words = said.get(setup.to as string)!.split(/(?<= )/)
      words.forEach((word, i) => setTimeout(() => socket.send({ type: 'text', token: word, last: i === words.length - 1 }), i * 20))
    }
  }, 5).unref()
  process.send!({ type: 'agent', url: agents.url } satisfies FromClients)
}

if (process.argv[2] === 'clients') {
  const said = new Map<string, string>()
  if (AGENT) await runAgent(said)
  process.on('message', (c: ToClients) => {
    if (c.type === 'flood') return void flood(c).then((r) => process.send!({ type: 'flooded', ...r } satisfies FromClients))
    if (c.type === 'stop flood') return void (flooding = false)
    if (c.type === 'cpu') {
      const u = process.cpuUsage()
      return void process.send!({ type: 'cpu', seconds: (u.user + u.system) / 1e6 } satisfies FromClients)
    }
    if (c.say) said.set(c.to, c.say)
    runCall(c).then(
      (report) => process.send!({ type: 'done', report } satisfies FromClients),
      (err: Error) => process.send!({ type: 'done', report: { id: c.id, ttffMs: NaN, underruns: 0, maxGapMs: 0, frames: 0, violations: [], failed: err.message } } satisfies FromClients),
    )
  })
} else {
  await main()
}
