import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import postgres from 'postgres'
import type { PGlite } from '@electric-sql/pglite'
import { ConfigError } from '../config.js'
import { lockDataDir } from './data-lock.js'

/** What a statement runs on: the pool itself or one transaction. */
export interface Queryable {
  /** One statement, `$1`-style parameters. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  /** A script of several statements, no parameters (migrations). */
  exec(text: string): Promise<void>
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite'
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  /** Resolves when the database answers; rejects with DatabaseUnavailableError otherwise. */
  ping(): Promise<void>
  close(): Promise<void>
}

export interface OpenDbOptions {
  /** A PostgreSQL URL; without one the embedded PGlite is used. */
  url?: string
  /** Where PGlite keeps its files; 'memory://' keeps them in memory. Default './data'. */
  dataDir?: string
  /** Pool size for PostgreSQL. */
  max?: number
  /** Seconds to wait for a PostgreSQL connection before giving up. */
  connectTimeoutS?: number
  /**
   * For a new PGlite data directory: start from this dump (PGlite's dumpDataDir) instead of running
   * initdb, which takes seconds. The tests open a fresh database per file this way.
   */
  fromDump?: Blob
}

/**
 * The database cannot be reached (refused, timed out, shut down, gone). Kept apart from
 * SQL errors so the API can answer 503 and the usage recorder knows to retry.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND',
  'EAI_AGAIN', 'EPIPE', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
])

// SQLSTATEs that mean "the server is not there for us right now", not "your SQL is wrong":
// connection exceptions, insufficient resources, shutdowns.
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-4])/

export function isUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code)) return true
    if (code === '3D000') return true // database dropped, or not created yet
    if (code === '55000' && /not currently accepting connections/.test(err.message)) return true
  }
  return err.message === 'PGlite is closed'
}

function mapError(err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError || !isUnavailable(err)) return err
  return new DatabaseUnavailableError(`database unavailable: ${(err as Error).message}`, { cause: err })
}

async function guard<T>(p: Promise<T>): Promise<T> {
  try {
    return await p
  } catch (err) {
    throw mapError(err)
  }
}

export async function openDb(options: OpenDbOptions = {}): Promise<Db> {
  return options.url ? openPostgres(options) : openPglite(options.dataDir ?? './data', options.fromDump)
}

/** Rejects with DatabaseUnavailableError when `p` has not settled within `ms`. */
function answerWithin<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseUnavailableError(`database unavailable: no answer within ${ms / 1000} s`)), ms)
  })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

function openPostgres(options: OpenDbOptions): Db {
  const connectTimeoutS = options.connectTimeoutS ?? 5
  const sql = postgres(options.url!, {
    max: options.max ?? 10,
    connect_timeout: connectTimeoutS,
    idle_timeout: 60,
    onnotice: () => {}, // "relation already exists, skipping" from migrations is not news
    // int8 as a JS number, as PGlite returns it: counts and sums here stay far below 2^53.
    types: {
      bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
    },
  })
  type Unsafe = (text: string, params?: unknown[]) => postgres.PendingQuery<postgres.Row[]>
  const on = (run: Unsafe): Queryable => ({
    query: async <T>(text: string, params?: unknown[]) =>
      [...(await guard(run(text, params as never) as unknown as Promise<T[]>))],
    exec: async (text: string) => {
      await guard(Promise.resolve(run(text).simple()))
    },
  })
  const base = on((t, p) => sql.unsafe(t, p as never))
  return {
    kind: 'postgres',
    ...base,
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      guard(sql.begin((tx) => fn(on((t, p) => tx.unsafe(t, p as never)))) as Promise<T>),
    // connect_timeout covers the TCP connect only: a host that accepts and then never answers
    // (a firewall, the wrong service on the port) would keep a start-up waiting for ever.
    ping: async () => {
      await answerWithin(base.query('SELECT 1'), connectTimeoutS * 1000)
    },
    close: () => sql.end({ timeout: 5 }),
  }
}

/**
 * mkdir -p, one level at a time: Node's own recursive mkdir spins for ever on a parent it cannot
 * create under /proc. A failure is the operator's to fix, so it names DATA_DIR.
 */
async function makeDataDir(dataDir: string, dir: string, parentMade = false): Promise<void> {
  try {
    await mkdir(dir)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST' && (await stat(dir)).isDirectory()) return
    if (code === 'ENOENT' && !parentMade && dirname(dir) !== dir) {
      await makeDataDir(dataDir, dirname(dir))
      return makeDataDir(dataDir, dir, true)
    }
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? `a file is in the way of ${dir}` : (err as Error).message
    throw new ConfigError(`DATA_DIR (${dataDir}) cannot hold the embedded database: ${why}; point DATA_DIR at a directory this user can write, or set DATABASE_URL`)
  }
}

// PostgreSQL's defaults are for a server with memory to spare: 128 MB of shared buffers alone.
// The service's tables are small (keys, voices, numbers; usage rows are written in batches), so
// 16 MB holds what is read often, and the embedded database costs about 100 MB less resident.
const PGLITE_SETTINGS = ['-c', 'shared_buffers=8MB', '-c', 'wal_buffers=256kB', '-c', 'work_mem=2MB', '-c', 'maintenance_work_mem=16MB', '-c', 'temp_buffers=2MB']

/**
 * A new data directory is made (initdb) in a child process that exits when done. Made in this
 * process, it would leave the service holding some 450 MB more for as long as it runs: initdb
 * runs a second PostgreSQL instance whose memory this process does not get back.
 */
async function initdbApart(dir: string): Promise<void> {
  const script = 'const { PGlite } = await import(process.argv[1]); const pg = await PGlite.create(process.argv[2]); await pg.close()'
  try {
    await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, import.meta.resolve('@electric-sql/pglite'), dir])
  } catch (err) {
    throw new Error(`could not create the embedded database in ${dir}: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`)
  }
}

async function openPglite(dataDir: string, fromDump?: Blob): Promise<Db> {
  let dir: string | undefined
  let unlock = () => {}
  if (dataDir !== 'memory://') {
    dir = join(dataDir, 'pgdata')
    await makeDataDir(dataDir, dir)
    unlock = lockDataDir(dataDir)
  }
  let pg: PGlite
  try {
    if (dir && !fromDump && !existsSync(join(dir, 'PG_VERSION'))) await initdbApart(dir)
    // Loaded only when used: with PostgreSQL configured, the module's 40 MB are never paid.
    const { PGlite } = await import('@electric-sql/pglite')
    const startParams = [...PGlite.defaultStartParams, ...PGLITE_SETTINGS]
    pg = await guard(PGlite.create(dir, fromDump ? { loadDataDir: fromDump, startParams } : { startParams }))
  } catch (err) {
    unlock()
    throw err
  }
  type Target = Pick<PGlite, 'query' | 'exec'>
  const on = (t: Target): Queryable => ({
    query: async <T>(text: string, params?: unknown[]) => (await guard(t.query<T>(text, params))).rows,
    exec: async (text: string) => {
      await guard(t.exec(text))
    },
  })
  return {
    kind: 'pglite',
    ...on(pg),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => guard(pg.transaction((tx) => fn(on(tx)))),
    ping: async () => {
      await guard(pg.query('SELECT 1'))
    },
    close: async () => {
      if (!pg.closed) await pg.close()
      unlock()
    },
  }
}

/** A jsonb parameter: text cast in SQL (`$n::jsonb`), the same for PGlite and postgres.js. */
export const toJsonb = (value: unknown): string | null => (value == null ? null : JSON.stringify(value))

/** A jsonb column: parsed by the driver, or text where a driver leaves it so. */
export const fromJsonb = <T>(value: T | string | null): T | null => (typeof value === 'string' ? (JSON.parse(value) as T) : value)
