// The service in a child process (`node --import tsx src/main.ts`, or the compiled
// `dist/src/main.js` an image runs), with the environment it is given (and none of ours: no
// DATABASE_URL or REDIS_URL leaks in unless a test passes it), on a free loopback port chosen first
// (port 0 could not be told to the test).
// Its stdout is pino JSON, kept parsed so a test can wait for a log line; its stderr is kept too.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, waitFor } from './fault-net.js'

export const ROOT = join(import.meta.dirname, '..', '..')

/** Loaded into the child with --import: reports memory after a full GC on SIGUSR2 (fault-probe.ts). */
export const PROBE = join(ROOT, 'test', 'helpers', 'fault-probe.ts')

export interface Probe {
  gc: boolean
  heapUsed: number
  heapTotal: number
  external: number
  arrayBuffers: number
  rss: number
  resources: Record<string, number>
}

export type LogLine = Record<string, unknown> & { msg?: string; level?: number }

export interface Service {
  url: string
  port: number
  pid: number
  proc: ChildProcess
  /** Parsed JSON log lines, in order. */
  logs: LogLine[]
  /** stdout lines that were not JSON (the first-start key announcement). */
  text: string[]
  stderr: () => string
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Resolves with the first log line (already seen or still to come) that matches. */
  waitForLog(match: (l: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>
  /** With PROBE loaded: a full GC in the child, then its memory and live handles (see fault-probe.ts). */
  probe(timeoutMs?: number): Promise<Probe>
  /** Resident set size now, from /proc (Linux). */
  rssBytes(): number
  /** SIGKILL if it is still running (cleanup). */
  kill(): Promise<void>
}

// Settings of the test process that must not reach the child unless a test passes them.
const SCRUB = /^(DATABASE_URL|REDIS_URL|REDIS_HOST|REDIS_PORT|REDIS_KEY_PREFIX|POSTGRES_.*|PORT|CHATTERBOX_PORT|HOST|DATA_DIR|TWILIO_.*|PUBLIC_BASE_URL|DRAIN_TIMEOUT|LOG_LEVEL|NODE_OPTIONS|VITEST.*|TEST|NODE_ENV)$/

export interface SpawnOptions {
  env?: Record<string, string>
  /** Extra node flags before the entry, e.g. ['--expose-gc', '--import', PROBE]. */
  nodeArgs?: string[]
  /** How long start-up may take (tsx compiles, workers load their engines). */
  readyTimeoutMs?: number
  /** A JavaScript entry run without tsx, from `cwd` (default the repository). */
  entry?: { cwd: string; script: string }
}

export async function spawnService(o: SpawnOptions = {}): Promise<Service> {
  const port = await freePort()
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SCRUB.test(k)) env[k] = v
  Object.assign(env, { HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', SYNTHESIS_WORKERS: '2' }, o.env)
  // tsx first: a probe given in nodeArgs may be TypeScript.
  const args = o.entry ? [...(o.nodeArgs ?? []), o.entry.script] : ['--import', 'tsx', ...(o.nodeArgs ?? []), join('src', 'main.ts')]
  const proc = spawn(process.execPath, args, {
    cwd: o.entry?.cwd ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: LogLine[] = []
  const text: string[] = []
  let stderr = ''
  let waiters: (() => void)[] = []
  let partial = ''
  proc.stdout!.setEncoding('utf8')
  proc.stdout!.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop()!
    for (const line of lines) {
      if (line.startsWith('{')) {
        try {
          logs.push(JSON.parse(line))
          continue
        } catch {
          // not a log line after all
        }
      }
      text.push(line)
    }
    for (const w of waiters) w()
  })
  proc.stderr!.setEncoding('utf8')
  proc.stderr!.on('data', (chunk: string) => {
    stderr += chunk
    for (const w of waiters) w()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      resolve({ code, signal })
      for (const w of waiters) w()
    }),
  )
  let gone = false
  void exited.then(() => (gone = true))

  const waitForLog = (match: (l: LogLine) => boolean, what: string, timeoutMs = 30_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const hit = logs.find(match)
        if (hit) return finish(() => resolve(hit))
        if (gone) finish(() => reject(new Error(`the service exited before logging ${what}; stderr:\n${stderr.slice(-2000)}`)))
      }
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for the log line: ${what}`))), timeoutMs)
      const finish = (f: () => void) => {
        clearTimeout(timer)
        waiters = waiters.filter((w) => w !== check)
        f()
      }
      waiters.push(check)
      check()
    })

  const service: Service = {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: proc.pid!,
    proc,
    logs,
    text,
    stderr: () => stderr,
    exited,
    waitForLog,
    probe: async (timeoutMs = 10_000) => {
      // Whole lines only: the last piece of stderr may still be half written.
      const lines = () => stderr.split('\n').slice(0, -1).filter((l) => l.startsWith('FAULT_PROBE '))
      const seen = lines().length
      proc.kill('SIGUSR2')
      const line = await waitFor(() => lines()[seen], 'the probe to answer', timeoutMs, 20)
      return JSON.parse(line.slice('FAULT_PROBE '.length)) as Probe
    },
    rssBytes: () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))
      if (!m) throw new Error('no VmRSS in /proc/<pid>/status')
      return Number(m[1]) * 1024
    },
    kill: async () => {
      if (gone) return
      proc.kill('SIGKILL')
      await exited
    },
  }
  try {
    await Promise.race([
      waitFor(async () => (await fetch(`${service.url}/health`)).status === 200, 'the service to answer /health 200', o.readyTimeoutMs ?? 60_000, 100),
      exited.then(({ code, signal }) => {
        throw new Error(`the service exited during start-up (code ${code}, signal ${signal}); stderr:\n${stderr.slice(-3000)}`)
      }),
    ])
  } catch (err) {
    await service.kill()
    throw err
  }
  return service
}
