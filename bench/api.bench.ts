// Issue 3's API figures, with autocannon against the real server (a child process on loopback,
// on PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set, embedded otherwise):
//   1. GET /v1/auth/verify with a valid key beside GET /health in the same run (auth + limits + usage)
//   2. POST /v1/tts, a fresh sentence each request, beside the Synthesizer alone on the same cores
//   3. POST /v1/tts for a cached prompt: requests/s, p50/p99, no errors, every request in usage
// Limits are set far above the load: the figures measure their cost, not their refusals.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import postgres from 'postgres'
import { loadConfig } from '../src/config.js'
import { openDb, type Db } from '../src/store/db.js'
import { migrate } from '../src/store/migrate.js'
import { createKey } from '../src/store/keys.js'
import { openRedis } from '../src/store/redis.js'
import { SynthesisPool } from '../src/speech/workers.js'
import { Synthesizer } from '../src/speech/synthesizer.js'
import { createEncoder } from '../src/audio/encoder.js'
import { figure, ms } from './stats.js'
import { deleteKeysUnder } from '../test/helpers/fault-redis.js'
import { read } from '../src/speech/read.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const env = loadConfig()
const VOICE = 'slt'
const CACHED_PROMPT = 'Thank you for calling Acme Dental. Please hold while we connect you.'
const fresh = (n: number) => `Order ${n} is ready for pickup at the front desk, and your receipt number is ${n * 7}.`

// ---- a database and a Redis prefix of the bench's own ------------------------------------------
const prefix = `cwbench:${randomBytes(4).toString('hex')}:`
let dbUrl: string | undefined
let dataDir: string | undefined
let dropDb = async () => {}
if (env.databaseUrl) {
  const name = `cw_bench_${randomBytes(4).toString('hex')}`
  const admin = postgres(env.databaseUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE ${name}`)
  const u = new URL(env.databaseUrl)
  u.pathname = `/${name}`
  dbUrl = u.toString()
  dropDb = async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }
} else {
  dataDir = mkdtempSync(join(tmpdir(), 'cw-bench-'))
  dropDb = async () => rmSync(dataDir!, { recursive: true, force: true })
}
const openBenchDb = () => openDb({ url: dbUrl, dataDir })

// PGlite is one process's: make the keys, then close it before the server opens the same files.
const keys = await (async () => {
  const db = await openBenchDb()
  await migrate(db)
  const make = async (name: string) => {
    const { key, row } = await createKey(db, { name, scopes: ['tts'], rateLimitPerMinute: 2_000_000_000, monthlyCharLimit: 1e15 })
    return { key, id: row.id }
  }
  const out = { verify: await make('bench verify'), fresh: await make('bench fresh'), cached: await make('bench cached') }
  await db.close()
  return out
})()

// ---- the server ---------------------------------------------------------------------------------
const port = await freePort()
const base = `http://127.0.0.1:${port}`
const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts')], {
  cwd: ROOT,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env,
    DATABASE_URL: dbUrl ?? '',
    DATA_DIR: dataDir ?? join(tmpdir(), 'cw-bench-unused'),
    REDIS_KEY_PREFIX: prefix,
    CHATTERBOX_PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    IP_REQUESTS_PER_MINUTE: String(2_000_000_000),
  },
})
await waitHealthy()
const health = (await (await fetch(`${base}/health`)).json()) as { backends: { database: string; limits: string } }
const workers = env.synthesisWorkers
console.log(`server: database ${health.backends.database}, limits ${health.backends.limits}, ${workers} synthesis workers; ` +
  `${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)

// ---- 1. auth + limits + usage beside /health ----------------------------------------------------
{
  const get = (path: string, headers: Record<string, string> = {}) =>
    run({ url: base + path, headers, connections: 50, duration: 6 })
  await get('/health', {})
  await get('/v1/auth/verify', { 'x-api-key': keys.verify.key })
  const healthRps: number[] = []
  const verifyRps: number[] = []
  for (let round = 0; round < 2; round++) {
    healthRps.push(rps(await get('/health')))
    verifyRps.push(rps(await get('/v1/auth/verify', { 'x-api-key': keys.verify.key })))
  }
  const h = mean(healthRps)
  const v = mean(verifyRps)
  figure('GET /v1/auth/verify (valid key)', `${v.toFixed(0)} req/s`, `GET /health ${h.toFixed(0)} req/s, ratio ${(v / h).toFixed(2)}`, '>= 0.6 of /health', v / h >= 0.6)
}

// ---- 2. a fresh sentence through the whole stack, beside the Synthesizer alone ------------------
{
  const REQUESTS = 50
  const ROUNDS = 8
  const lanes = workers * 2
  const viaHttp = async (from: number) => {
    let n = from
    const r = await run({
      url: `${base}/v1/tts`, method: 'POST', connections: lanes, amount: REQUESTS,
      headers: { 'content-type': 'application/json', 'x-api-key': keys.fresh.key },
      requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ text: fresh(n++), voice_id: VOICE }) }) }],
    })
    check(r, REQUESTS)
    return REQUESTS / r.seconds
  }
  const pool = new SynthesisPool(workers)
  const voices = await pool.voices()
  const rate = voices.find((v) => v.id === VOICE)!.sampleRate
  const synth = new Synthesizer(pool, voices, { cacheBytes: env.cacheBytes })
  // autocannon gives each connection a fixed share of the requests (13, 13, 12, 12 of 50), so a
  // round ends with the slowest connection alone; each lane here takes the same share, so both
  // sides end their rounds alike (lanes that shared one counter would finish together).
  const alone = async (from: number) => {
    let n = from
    const lane = async (_: unknown, i: number) => {
      const share = Math.floor(REQUESTS / lanes) + (i < REQUESTS % lanes ? 1 : 0)
      for (let k = 0; k < share; k++) {
        const encoder = await createEncoder('wav', { inputRate: rate, outputRate: rate })
        let bytes = encoder.header().length
        for await (const c of synth.stream(read(fresh(n++), synth.voice(VOICE)!, 1))) bytes += (await encoder.push(c.samples)).length
        bytes += (await encoder.end()).length
      }
    }
    const start = performance.now()
    await Promise.all(Array.from({ length: lanes }, lane))
    return REQUESTS / ((performance.now() - start) / 1000)
  }
  // Warm both, then alternate in short rounds and compare totals: work elsewhere on the machine
  // then falls on both sides alike. The server is idle while the Synthesizer runs alone.
  await viaHttp(900_000)
  await alone(900_000)
  let httpS = 0
  let aloneS = 0
  // CPU time as well: unlike wall time, it hardly moves with other load on the machine.
  let httpCpu = 0
  let aloneCpu = 0
  // The load generator (autocannon, in this process) runs on the same two cores as the server.
  let clientCpu = 0
  for (let round = 0; round < ROUNDS; round++) {
    const c0 = serverCpuSeconds()
    const g0 = process.cpuUsage()
    httpS += REQUESTS / (await viaHttp(100_000 + round * 1000))
    httpCpu += serverCpuSeconds() - c0
    const g = process.cpuUsage(g0)
    clientCpu += (g.user + g.system) / 1e6
    const u0 = process.cpuUsage()
    aloneS += REQUESTS / (await alone(100_000 + round * 1000))
    const u = process.cpuUsage(u0)
    aloneCpu += (u.user + u.system) / 1e6
  }
  await pool.close()
  const [a, b] = [(ROUNDS * REQUESTS) / httpS, (ROUNDS * REQUESTS) / aloneS]
  figure('POST /v1/tts, fresh sentence', `${a.toFixed(1)} req/s`, `Synthesizer alone ${b.toFixed(1)} req/s on ${workers} workers, ratio ${(a / b).toFixed(2)}`, '>= 0.85 of the Synthesizer alone', a / b >= 0.85)
  const perRequest = (cpu: number) => ms((1000 * cpu) / (ROUNDS * REQUESTS))
  if (httpCpu > 0) {
    console.log(`  CPU per request: server process ${perRequest(httpCpu)} (HTTP, auth, limits, usage, encoding and synthesis), ` +
      `Synthesizer alone ${perRequest(aloneCpu)}, ratio ${(aloneCpu / httpCpu).toFixed(2)}; ` +
      `the load generator beside the server used ${perRequest(clientCpu)} of the same cores`)
  }
}

// ---- 3. a cached prompt -------------------------------------------------------------------------
// The phone case: an IVR greeting in 8 kHz μ-law (kal, an 8 kHz voice), 33 KB a response. The same
// prompt as 16 kHz WAV (slt, 4.5x the bytes) is printed beside it: on a small machine that one is
// bound by how fast the client can read bytes, not by the server. As MP3 it is encoded anew for
// every request (the cache holds PCM), so that line shows what the encoder costs.
const CACHED_REQUESTS = 20_000
let cachedOk = 0
const cachedRun = async (voice: string, format: string, amount: number) => {
  const body = JSON.stringify({ text: CACHED_PROMPT, voice_id: voice, format })
  const opts = { url: `${base}/v1/tts`, method: 'POST' as const, headers: { 'content-type': 'application/json', 'x-api-key': keys.cached.key }, body, connections: 50 }
  const warm = await run({ ...opts, amount: 1000 }) // and fills the cache
  cachedOk += warm['2xx']
  const r = await run({ ...opts, amount })
  cachedOk += r['2xx']
  return r
}
{
  const r = await cachedRun('kal', 'mulaw', CACHED_REQUESTS)
  const value = CACHED_REQUESTS / r.seconds
  const clean = r.errors === 0 && r.non2xx === 0 && r.timeouts === 0 && r['2xx'] === CACHED_REQUESTS
  figure('POST /v1/tts, cached prompt (8 kHz mu-law)', `${value.toFixed(0)} req/s`,
    `p50 ${ms(r.latency.p50)}, p99 ${ms(r.latency.p99)}, ${r.errors} errors, ${r.non2xx} non-2xx, ${(r.throughput.average / 1e6).toFixed(0)} MB/s`,
    '>= 1,500 req/s, no errors', value >= 1500 && clean)
  for (const format of ['wav', 'mp3']) {
    const w = await cachedRun(VOICE, format, CACHED_REQUESTS / 4)
    console.log(`  same prompt as 16 kHz ${format.toUpperCase()}: ${(CACHED_REQUESTS / 4 / w.seconds).toFixed(0)} req/s, p50 ${ms(w.latency.p50)}, p99 ${ms(w.latency.p99)}, ` +
      `${(w.throughput.average / 1e6).toFixed(1)} MB/s, ${w.errors} errors, ${w.non2xx} non-2xx`)
  }
}

// ---- stop (which flushes usage), then count -----------------------------------------------------
await stop(server)
let db: Db | null = null
try {
  db = await openBenchDb()
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM usage WHERE key_id = $1 AND status = 200`, [keys.cached.id])
  const expected = cachedOk
  figure('usage rows for the cached-prompt requests', `${row.n}`, `${expected} successful responses`, 'every request recorded', row.n === expected)
} finally {
  await db?.close()
  await clearRedis()
  await dropDb()
}

// ---- helpers ------------------------------------------------------------------------------------
type Run = autocannon.Result & { seconds: number }

/**
 * autocannon's result, with `seconds` from the call to the last response. Its own `duration` runs
 * on to the next one-second sampling tick, which added up to a second (10%) to a 5-second round.
 */
function run(opts: autocannon.Options): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    let last = start
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve({ ...result, seconds: (last - start) / 1000 })))
    instance.on('response', () => (last = performance.now()))
  })
}

function rps(r: Run): number {
  check(r)
  return r['2xx'] / r.seconds
}

function check(r: autocannon.Result, expected?: number): void {
  if (r.errors || r.non2xx || (expected !== undefined && r['2xx'] !== expected)) {
    console.warn(`  ${r.url}: ${r['2xx']} ok, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`)
  }
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length
}

/** CPU seconds the server process (all its threads) has used; 0 where /proc is not there. */
function serverCpuSeconds(): number {
  try {
    const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime + stime, in clock ticks (100/s on Linux)
  } catch {
    return 0
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
    s.on('error', reject)
  })
}

async function waitHealthy(): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited with code ${server.exitCode}`)
    const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false)
    if (ok) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error('server did not become healthy within 60 s')
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

async function clearRedis(): Promise<void> {
  const redis = openRedis(env.redisUrl, prefix)
  if (!redis || !(await redis.ready(2000))) return void (await redis?.close())
  await deleteKeysUnder(redis.client, prefix)
  await redis.close()
}
