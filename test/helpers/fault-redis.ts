// A redis-server of the test's own on a free loopback port, to be killed (SIGKILL: no goodbye to
// its clients) and started again on the same port. Never the shared REDIS_URL server: killing that
// would pull it from under every other test file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { freePort, waitFor } from './fault-net.js'
import type { Redis } from 'ioredis'

export interface DedicatedRedis {
  url: string
  port: number
  /** SIGKILL, and resolves once the process is gone. */
  kill(): Promise<void>
  /** A fresh server on the same port (empty: nothing was saved), resolves once it answers PING. */
  restart(): Promise<void>
  stop(): Promise<void>
}

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0
}

/** One PING over a raw socket: true when the server answered +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    const done = (ok: boolean) => {
      s.destroy()
      resolve(ok)
    }
    s.setTimeout(500, () => done(false))
    s.once('error', () => done(false))
    s.once('connect', () => s.write('PING\r\n'))
    s.once('data', (d) => done(d.toString().startsWith('+PONG')))
  })
}

export async function startRedis(): Promise<DedicatedRedis> {
  const port = await freePort()
  let proc: ChildProcess | null = null
  let exited: Promise<void> = Promise.resolve()
  const launch = async () => {
    const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    proc = p
    exited = new Promise((resolve) => p.once('exit', () => resolve()))
    await waitFor(() => ping(port), `redis-server on port ${port}`, 10_000)
  }
  const kill = async () => {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    proc.kill('SIGKILL')
    await exited
  }
  await launch()
  return { url: `redis://127.0.0.1:${port}`, port, kill, restart: async () => (await kill(), await launch()), stop: kill }
}

/** Deletes every key under `prefix`, a SCAN page at a time. */
export async function deleteKeysUnder(client: Pick<Redis, 'scan' | 'del'>, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    if (keys.length) await client.del(...keys)
    cursor = next
  } while (cursor !== '0')
}

/** Deletes the keys left under a prefix on a shared Redis (monthly counters would live a month). */
export async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis')
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  client.on('error', () => {})
  try {
    await client.connect()
    await deleteKeysUnder(client, prefix)
  } finally {
    client.disconnect()
  }
}
