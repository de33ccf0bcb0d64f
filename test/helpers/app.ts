// The whole service on a loopback port with a fresh database (PGlite, or a new database on the
// DATABASE_URL server) and, with REDIS_URL, a Redis key prefix of its own. The database handle
// can be switched off to act out an outage, and counts its queries so a test can show that a
// request never reached it. Every log line is kept, to be searched for leaked secrets.
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { DatabaseUnavailableError, type Db, type Queryable } from '../../src/store/db.js'
import { createKey, type NewKeyOptions, type Scope } from '../../src/store/keys.js'
import { createTestDatabase, type TestDatabase } from './db.js'
import { dropRedisPrefix } from './fault-redis.js'

export interface Switchable {
  /** Queries run since start (transactions count their statements). */
  queries: number
  /** Their SQL, in order. */
  log: string[]
  /** While true every query fails as an unreachable database would. */
  down: boolean
}

function switchable(db: Db, state: Switchable): Db {
  const guard = <T>(sql: string, run: () => Promise<T>): Promise<T> => {
    state.queries++
    state.log.push(sql)
    if (state.down) return Promise.reject(new DatabaseUnavailableError('database unavailable: switched off by the test'))
    return run()
  }
  const wrap = (q: Queryable): Queryable => ({
    query: (text, params) => guard(text, () => q.query(text, params)),
    exec: (text) => guard(text, () => q.exec(text)),
  })
  return {
    kind: db.kind,
    ...wrap(db),
    transaction: (fn) => guard('BEGIN', () => db.transaction((tx) => fn(wrap(tx)))),
    ping: () => guard('SELECT 1', () => db.ping()),
    close: () => db.close(),
  }
}

export interface TestApp {
  app: FastifyInstance
  /** The database (and Redis prefix) behind it, for a second instance to share. */
  shared: { testDb: TestDatabase; raw: Db; redisKeyPrefix: string }
  /** http://127.0.0.1:PORT */
  url: string
  config: Config
  database: Switchable
  /** Log lines written so far (JSON strings). */
  logs: string[]
  /** A new key (plain); default scopes tts, generous limits. */
  key(opts?: Partial<NewKeyOptions> & { scopes?: Scope[] }): Promise<string>
  close(): Promise<void>
}

export interface StartOptions {
  now?: () => number
  /** Another instance of the service on the same database and Redis prefix. */
  shareWith?: TestApp
}

export async function startApp(overrides: Partial<Config> = {}, { now, shareWith }: StartOptions = {}): Promise<TestApp> {
  const testDb: TestDatabase = shareWith?.shared.testDb ?? (await createTestDatabase())
  const database: Switchable = { queries: 0, log: [], down: false }
  const raw = shareWith?.shared.raw ?? (await testDb.open())
  const db = switchable(raw, database)
  const config: Config = {
    ...loadConfig({
      REDIS_URL: process.env.REDIS_URL,
      LOG_LEVEL: 'info',
      SYNTHESIS_WORKERS: '2',
      DATA_DIR: 'memory://',
    }),
    databaseUrl: testDb.url,
    redisKeyPrefix: shareWith?.shared.redisKeyPrefix ?? `cwtest:${randomBytes(6).toString('hex')}:`,
    ...overrides,
  }
  const logs: string[] = []
  const app = await buildApp(config, { db, now, logStream: { write: (line: string) => void logs.push(line) } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return {
    app,
    shared: { testDb, raw, redisKeyPrefix: config.redisKeyPrefix },
    url: `http://127.0.0.1:${port}`,
    config,
    database,
    logs,
    key: async (opts = {}) => {
      const { key } = await createKey(raw, { name: 'test key', scopes: ['tts'], rateLimitPerMinute: 100_000, monthlyCharLimit: 10_000_000, ...opts })
      return key
    },
    close: async () => {
      if (shareWith) return void (await app.close()) // the first instance owns the database
      await app.close()
      // Only the shared Redis keeps keys after the test (the others are a test's own, or unreachable).
      // A client of its own: the test may already have closed the app, and its Redis client with it.
      if (config.redisUrl && config.redisUrl === process.env.REDIS_URL) await dropRedisPrefix(config.redisUrl, config.redisKeyPrefix)
      await testDb.drop()
    },
  }
}

/** fetch with a JSON body and an optional key in x-api-key. */
export async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** The error body, checked against the one shape every error has. */
export async function errorOf(res: Response): Promise<{ code: string; message: string; request_id: string }> {
  const body = (await res.json()) as { error: { code: string; message: string; request_id: string } }
  if (!body.error || typeof body.error.code !== 'string' || typeof body.error.message !== 'string' || typeof body.error.request_id !== 'string') {
    throw new Error(`not the error shape: ${JSON.stringify(body)}`)
  }
  if (Object.keys(body).length !== 1 || Object.keys(body.error).sort().join() !== 'code,message,request_id') {
    throw new Error(`extra fields in the error: ${JSON.stringify(body)}`)
  }
  return body.error
}
