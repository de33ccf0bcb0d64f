// Issue 10's /v1/speak figures, on loopback. The service runs in this process (PGlite in a temp
// directory, cache off); the clients, playing an LLM that writes a token every 30 ms, run in a child
// process (this file with `clients`), so they neither share the server's event loop nor its memory.
//  1. Clause to first audio: from the Speak message that completes the first clause (the first
//     segment, as POST /v1/tts would cut it) to that clause's first audio byte, p50/p99, beside the
//     synthesizer's own time to first audio for the same clause, measured in the same run.
//  2. 200 sockets at once, each streaming its own reply (kal16, 8 kHz μ-law): every socket's audio
//     must stay ahead of real-time playback from its first byte to its last. With the server's CPU
//     (all threads) and live memory per socket.
// `npm run bench -- speak`; BENCH_SOCKETS and BENCH_CLAUSE_RUNS change the sizes.
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { AddressInfo } from 'node:net'
import WebSocket from 'ws'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { openDb } from '../src/store/db.js'
import { createKey } from '../src/store/keys.js'
import { read } from '../src/speech/read.js'
import { TextStream } from '../src/speech/text-stream.js'
import type { VoiceInfo } from '../src/speech/engine.js'
import { figure, ms, percentile } from './stats.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const TOKEN_MS = 30
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 200)
const CLAUSE_RUNS = Number(process.env.BENCH_CLAUSE_RUNS ?? 40)
const VOICE = 'kal16'

/** A reply as an LLM might write it, different for every n (so no two share a segment). */
const reply = (n: number) =>
  `Sure, order ${n} is on its way. It left our kitchen a few minutes ago, and the driver expects to reach you in about twenty minutes. Is there anything else I can help with today?`

/** Pieces of about four characters, the way an LLM's tokens split words. */
function tokens(text: string): string[] {
  const out: string[] = []
  for (let i = 0; i < text.length; i += 4) out.push(text.slice(i, i + 4))
  return out
}

// --- the clients (child process) ----------------------------------------------------------------

type Job = { type: 'clause'; url: string; key: string; n: number; completes: number } | { type: 'sockets'; url: string; key: string; count: number }
type Report =
  | { type: 'clause'; ms: number }
  | { type: 'sockets'; late: number; worstLateMs: number; failed: number; bytes: number }

function open(url: string, key: string): Promise<WebSocket> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/v1/speak?model=${VOICE}&encoding=mulaw&sample_rate=8000`, { headers: { authorization: `Token ${key}` } })
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket))
    socket.once('error', reject)
  })
}

/** Streams reply n a token every 30 ms; resolves with what the listener heard. */
async function stream(url: string, key: string, n: number, completes = -1) {
  const socket = await open(url, key)
  const pieces = tokens(reply(n))
  let sentCompleting = 0
  let firstAudio = 0
  let bytes = 0
  let late = 0
  let worstLate = 0
  const flushed = new Promise<void>((resolve) => {
    socket.on('message', (data, isBinary) => {
      const now = performance.now()
      if (!isBinary) {
        if (JSON.parse(data.toString()).type === 'Flushed') resolve()
        return
      }
      if (firstAudio === 0) firstAudio = now
      // The audio received so far plays out at 8,000 bytes a second from the first byte: this
      // piece is late if what came before it has already finished playing.
      const due = firstAudio + (bytes / 8000) * 1000
      if (now > due + 1) {
        late++
        worstLate = Math.max(worstLate, now - due)
      }
      bytes += (data as Buffer).length
    })
  })
  for (const [i, piece] of pieces.entries()) {
    if (i === completes) sentCompleting = performance.now()
    socket.send(JSON.stringify({ type: 'Speak', text: piece }))
    await new Promise((r) => setTimeout(r, TOKEN_MS))
  }
  socket.send(JSON.stringify({ type: 'Flush' }))
  await flushed
  socket.close()
  return { clauseMs: firstAudio - sentCompleting, late, worstLate, bytes }
}

async function clients(): Promise<void> {
  process.on('message', async (job: Job) => {
    if (job.type === 'clause') {
      const r = await stream(job.url, job.key, job.n, job.completes)
      process.send!({ type: 'clause', ms: r.clauseMs } satisfies Report)
      return
    }
    const runs = await Promise.allSettled(Array.from({ length: job.count }, (_, i) => stream(job.url, job.key, 10_000 + i)))
    const ok = runs.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    process.send!({
      type: 'sockets',
      late: ok.filter((r) => r.late > 0).length,
      worstLateMs: Math.max(0, ...ok.map((r) => r.worstLate)),
      failed: runs.length - ok.length,
      bytes: ok.reduce((a, r) => a + r.bytes, 0),
    } satisfies Report)
  })
}

// --- the service (this process) -----------------------------------------------------------------

/**
 * The token whose arrival completes the first segment: the first after which the reading of what
 * has arrived can no longer change it (a clause is cut off a first sentence only once that sentence
 * is known to run past six words, so that the segments are those of POST /v1/tts).
 */
function completingToken(text: string, voice: VoiceInfo): number {
  const reader = new TextStream(voice, 1)
  return tokens(text).findIndex((piece) => reader.push(piece).length > 0)
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-speak-bench-'))
  const db = await openDb({ dataDir })
  const config = loadConfig({
    LOG_LEVEL: 'warn', DATA_DIR: 'memory://', CACHE_BYTES: '0', SYNTHESIS_WORKERS: '2',
    IP_REQUESTS_PER_MINUTE: '1000000', SPEAK_SOCKETS_PER_KEY: '100000',
  })
  const app = await buildApp(config, { db, logStream: { write: () => {} } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const { key } = await createKey(db, { name: 'bench', scopes: ['tts'], rateLimitPerMinute: 1_000_000, monthlyCharLimit: 1_000_000_000 })
  const child = fork(fileURLToPath(import.meta.url), ['clients'], { execArgv: ['--import', 'tsx'] })
  const ask = (job: Job) => new Promise<Report>((resolve) => {
    child.once('message', (r: Report) => resolve(r))
    child.send(job)
  })
  const voice = app.synth.voice(VOICE)!
  try {
    // 1. Clause to first audio, alternating with the synthesizer alone on the same clause.
    const speak: number[] = []
    const alone: number[] = []
    for (let n = 0; n < CLAUSE_RUNS; n++) {
      const text = reply(n)
      const r = await ask({ type: 'clause', url, key, n, completes: completingToken(text, voice) })
      if (r.type === 'clause') speak.push(r.ms)
      const t0 = performance.now()
      for await (const c of app.synth.stream([read(text, voice)[0]])) if (c.samples.length) break
      alone.push(performance.now() - t0)
    }
    const [s50, a50] = [percentile(speak, 50), percentile(alone, 50)]
    console.log(`first clause: "${read(reply(0), voice)[0].text}" (${VOICE}, a token every ${TOKEN_MS} ms, ${CLAUSE_RUNS} runs, cache off)`)
    figure('clause to first audio on /v1/speak, p50', ms(s50), `p99 ${ms(percentile(speak, 99))}; the synthesizer alone p50 ${ms(a50)}, p99 ${ms(percentile(alone, 99))}; ratio ${(s50 / a50).toFixed(2)}×`, `<= 1.1 × ${ms(a50)} + 3 ms = ${ms(1.1 * a50 + 3)}`, s50 <= 1.1 * a50 + 3)

    // 2. Many sockets at once.
    gc()
    const before = process.memoryUsage()
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    let peak = 0
    const sampler = setInterval(() => {
      const m = process.memoryUsage()
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - before.heapUsed - before.arrayBuffers)
    }, 250)
    const r = await ask({ type: 'sockets', url, key, count: SOCKETS })
    clearInterval(sampler)
    const seconds = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    if (r.type !== 'sockets') throw new Error('unexpected report')
    const audioSeconds = r.bytes / 8000
    console.log(`${SOCKETS} sockets, each its own ${reply(0).length}-character reply a token every ${TOKEN_MS} ms: ${audioSeconds.toFixed(0)} s of audio in ${seconds.toFixed(1)} s; failed ${r.failed}`)
    figure(`sockets whose audio fell behind playback`, `${r.late} of ${SOCKETS}`, `worst ${ms(r.worstLateMs)} late`, '0', r.late === 0 && r.failed === 0)
    console.log(`per socket: CPU ${((cpu.user + cpu.system) / 1e6 / seconds / SOCKETS * 100).toFixed(2)}% of a core (all server threads, synthesis included); memory ${(peak / SOCKETS / 1024).toFixed(0)} KB (peak live heap and buffers above idle, sampled)`)
  } finally {
    child.kill()
    await app.close()
    await db.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (process.argv[2] === 'clients') void clients()
else await main()
