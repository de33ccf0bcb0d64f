// Issue 19's memory figures: the resident memory of the service as `npm start` runs it (compiled
// JavaScript, `node dist/src/main.js`, with the environment its start script sets), at idle right
// after a first start, and its growth over 1,000 mixed requests and over a second 1,000 (after 100
// that load what loads on first use), on the embedded database and on PostgreSQL. Each reading
// follows a full garbage collection of the main thread, and shows the main thread's JavaScript heap
// and external memory (PGlite's WebAssembly memory, the segment cache's audio) beside the total.
// The baseline, measured in the same run, is the same service as npm start ran it before: with
// glibc's default number of malloc arenas (up to eight per core, one per thread that allocates),
// where each worker thread's arena kept what it had freed (20-45 MB over the first 1,000 here).
// Growth is printed beside the baseline's, without a ratio: either can be near zero or negative.
//   goals: embedded <= 350 MB at idle, PostgreSQL <= 250 MB, growth over the requests within
//   the configured caches (CACHE_BYTES, the segment audio cache), and none over the second 1,000
//   beyond what the readings move by.
// PostgreSQL is used when DATABASE_URL is set (a database of the bench's own is made on it).
// MEMORY_REQUESTS changes the number of requests (default 1000).
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { figure } from './stats.js'
import { freePort, sleep } from '../test/helpers/fault-net.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const REQUESTS = Number(process.env.MEMORY_REQUESTS ?? 1000)
const CACHE_MB = 16 // CACHE_BYTES given to the service: growth may reach this, no more
// Over the second round, when every cache is full: no more than the noise of the readings.
const SECOND_MB = 15
const MB = 1024 * 1024
const GOALS = { embedded: 350, postgres: 250 }

// Resident memory moves by tens of MB with the main thread's garbage collection: each reading
// is taken after a full collection, asked for with SIGUSR2, which answers with the main thread's
// process.memoryUsage(). The worker threads' heaps are not collected (nothing reaches them from
// here, and a heap snapshot, which would, leaves tens of MB of its own behind): what garbage they
// hold at a reading moves it by up to about 15 MB either way.
const GC_ON_SIGUSR2 = `data:text/javascript,process.on('SIGUSR2',()=>{globalThis.gc();process.stderr.write('GC_DONE '+JSON.stringify(process.memoryUsage())+'\\n')})`

// What npm start sets before it runs node (package.json): the figures are those of that process.
const START = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
const ARENAS = /\bMALLOC_ARENA_MAX=\$\{MALLOC_ARENA_MAX:-(\d+)\}/.exec(START)?.[1]
if (!ARENAS) throw new Error('package.json: npm start no longer sets MALLOC_ARENA_MAX; update this benchmark')

type Runtime = 'now' | 'before'
const COMMAND = ['--expose-gc', '--import', GC_ON_SIGUSR2, join(ROOT, 'dist', 'src', 'main.js')]

/** A fresh database for one run: a new data directory, or a new PostgreSQL database. */
async function freshDatabase(kind: 'embedded' | 'postgres'): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  if (kind === 'embedded') {
    const dir = mkdtempSync(join(tmpdir(), 'cw-memory-'))
    return { env: { DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) }
  }
  const name = `cw_bench_${randomBytes(4).toString('hex')}`
  const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE ${name}`)
  const url = new URL(process.env.DATABASE_URL!)
  url.pathname = `/${name}`
  return {
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    },
  }
}

const SENTENCES = Array.from({ length: 40 }, (_, i) => `Your appointment number ${i + 1} is on 6/${(i % 28) + 1} at ${(i % 9) + 1}:30 pm.`)

/** One of five kinds of request, in turn: health, voices, usage, a TTS request (WAV or μ-law), the OpenAI route (MP3). */
function request(base: string, key: string, i: number): Promise<Response> {
  const headers = { 'x-api-key': key, 'content-type': 'application/json' }
  const text = SENTENCES[i % SENTENCES.length]
  switch (i % 5) {
    case 0: return fetch(`${base}/health`)
    case 1: return fetch(`${base}/v1/voices`, { headers })
    case 2: return fetch(`${base}/v1/usage`, { headers })
    case 3: return fetch(`${base}/v1/tts`, { method: 'POST', headers, body: JSON.stringify({ text, voice_id: 'slt', format: i % 2 ? 'wav' : 'mulaw', sample_rate: 8000 }) })
    default: return fetch(`${base}/v1/audio/speech`, { method: 'POST', headers, body: JSON.stringify({ model: 'tts-1', input: text, voice: 'alloy' }) })
  }
}

/** Resident memory, and the main thread's heap in use and external memory, after a full collection. */
interface Reading { rss: number; heapUsed: number; external: number }
interface Measured { idle: Reading; warm: Reading; first: Reading; second: Reading; failed: number }

async function measure(runtime: Runtime, kind: 'embedded' | 'postgres'): Promise<Measured> {
  const db = await freshDatabase(kind)
  const port = await freePort()
  const env: Record<string, string | undefined> = { ...process.env, ...db.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', CACHE_BYTES: String(CACHE_MB * MB), IP_REQUESTS_PER_MINUTE: '1000000' }
  if (kind === 'embedded') delete env.DATABASE_URL
  delete env.REDIS_URL
  if (runtime === 'now') env.MALLOC_ARENA_MAX = ARENAS
  else delete env.MALLOC_ARENA_MAX
  const proc = spawn(process.execPath, COMMAND, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const collections: NodeJS.MemoryUsage[] = []
  proc.stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
  proc.stderr.setEncoding('utf8').on('data', (c: string) => {
    for (const m of c.matchAll(/^GC_DONE (.*)\n/gm)) collections.push(JSON.parse(m[1]) as NodeJS.MemoryUsage)
    process.stderr.write(c.replace(/^GC_DONE .*\n/gm, ''))
  })
  const read = async (): Promise<Reading> => {
    const seen = collections.length
    proc.kill('SIGUSR2')
    while (collections.length === seen) await sleep(20)
    const { heapUsed, external } = collections[seen]
    return { rss: Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))![1]) * 1024, heapUsed, external }
  }
  const base = `http://127.0.0.1:${port}`
  try {
    for (let t = Date.now(); ; await sleep(200)) {
      if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break
      if (Date.now() - t > 120_000 || proc.exitCode !== null) throw new Error(`${runtime}/${kind}: the service did not start`)
    }
    const admin = /^ {2}(cw_live_\S+)$/m.exec(out)?.[1]
    if (!admin) throw new Error('no bootstrap key printed')
    const made = (await (await fetch(`${base}/v1/keys`, {
      method: 'POST',
      headers: { 'x-api-key': admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'memory bench', scopes: ['tts'], rate_limit_per_minute: 1_000_000, monthly_char_limit: 1_000_000_000 }),
    })).json()) as { key: string }
    await sleep(3000) // idle: the workers have loaded, nothing is being served
    const idle = await read()
    let failed = 0
    const run = async (count: number) => {
      let next = 0
      const lane = async () => {
        for (let i = next++; i < count; i = next++) {
          const res = await request(base, made.key, i)
          await res.arrayBuffer()
          if (!res.ok) failed++
        }
      }
      await Promise.all(Array.from({ length: 8 }, lane))
      await sleep(3000)
    }
    // The first requests load what is loaded on first use (each worker's engine, the MP3 encoder):
    // growth is measured from there.
    await run(100)
    const warm = await read()
    await run(REQUESTS)
    const first = await read()
    await run(REQUESTS)
    return { idle, warm, first, second: await read(), failed }
  } finally {
    proc.kill('SIGTERM')
    await new Promise((r) => proc.once('exit', r))
    await db.drop()
  }
}

const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' })
if (build.status !== 0) throw new Error('npm run build failed')

const kinds = (['embedded', 'postgres'] as const).filter((k) => k === 'embedded' || process.env.DATABASE_URL)
if (!process.env.DATABASE_URL) console.log('DATABASE_URL not set: the PostgreSQL figures are skipped')
console.log(`${REQUESTS} mixed requests (health, voices, usage, /v1/tts WAV and μ-law, /v1/audio/speech MP3), 8 at a time; CACHE_BYTES ${CACHE_MB} MiB`)
const mb = (b: number) => `${Math.round(b / MB)} MB`
const grew = (from: Reading, to: Reading) => `${mb(to.rss - from.rss)} (main thread: heap ${mb(to.heapUsed - from.heapUsed)}, external ${mb(to.external - from.external)})`
for (const kind of kinds) {
  const now = await measure('now', kind)
  const before = await measure('before', kind)
  const goal = GOALS[kind]
  figure(`${kind}: resident at idle after a first start`, mb(now.idle.rss), `before ${mb(before.idle.rss)}, ratio ${(now.idle.rss / before.idle.rss).toFixed(2)}`, `<= ${goal} MB`, now.idle.rss <= goal * MB)
  const first = now.first.rss - now.warm.rss
  const second = now.second.rss - now.first.rss
  figure(`${kind}: growth over the first ${REQUESTS} requests`, grew(now.warm, now.first),
    `warmed up ${mb(now.warm.rss)}, after ${mb(now.first.rss)}; before ${mb(before.first.rss - before.warm.rss)}; ${now.failed} failed`,
    `<= ${CACHE_MB} MB (the configured cache)`, first <= CACHE_MB * MB && now.failed === 0)
  // Nothing more may be kept: a second round of the same requests finds every cache full.
  figure(`${kind}: growth over the next ${REQUESTS} requests`, grew(now.first, now.second),
    `after ${mb(now.second.rss)}; before ${mb(before.second.rss - before.first.rss)}`, `<= ${SECOND_MB} MB`, second <= SECOND_MB * MB && now.failed === 0)
}
