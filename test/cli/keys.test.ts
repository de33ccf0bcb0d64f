import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { main } from '../../src/cli/keys.js'
import { openDb, type Db } from '../../src/store/db.js'
import { findKeyByPlain, KEY_REVOKED_CHANNEL } from '../../src/store/keys.js'
import { openRedis } from '../../src/store/redis.js'
import { PubSub } from '../../src/store/pubsub.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'

// The CLI opens the configured database itself, so PGlite must live on disk, not in memory.
let tdb: TestDatabase | undefined
let dataDir: string
let env: Record<string, string | undefined>
const redisPrefix = `cwtest:${randomBytes(4).toString('hex')}:`

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cw-cli-'))
  env = { DATA_DIR: dataDir, REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: redisPrefix }
  if (process.env.DATABASE_URL) {
    tdb = await createTestDatabase()
    env.DATABASE_URL = tdb.url
  }
})
afterAll(async () => {
  await tdb?.drop()
  await rm(dataDir, { recursive: true, force: true })
})

async function run(argv: string[], runEnv = env) {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env: runEnv })
  return { code, out, err }
}

/** Looks at what the CLI wrote, with the CLI's connection closed (PGlite is single-process). */
async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  // max 1: the --sql script opens its own transaction (BEGIN … COMMIT), which postgres.js allows only on one connection.
  const db = await openDb({ url: env.DATABASE_URL, dataDir, max: 1 })
  try {
    return await fn(db)
  } finally {
    await db.close()
  }
}

describe('keys CLI', () => {
  it('creates keys in the configured database and prints each once', async () => {
    const r = await run(['-n', '3', '--prefix', 'cw_test_', '--name-prefix', 'Production Key',
      '--scopes', 'tts,calls', '--rate', '120', '--chars', '5000'])
    expect(r.code).toBe(0)
    expect(r.out).toHaveLength(3)
    const rows = r.out.map((l) => l.split('\t'))
    expect(rows.map(([name]) => name)).toEqual(['Production Key 1', 'Production Key 2', 'Production Key 3'])
    await withDb(async (db) => {
      for (const [name, prefix, key] of rows) {
        expect(key.startsWith(prefix)).toBe(true)
        expect(await findKeyByPlain(db, key)).toMatchObject({
          name, keyPrefix: prefix, scopes: ['tts', 'calls'], rateLimitPerMinute: 120, monthlyCharLimit: 5000,
        })
      }
    })
    const list = await run(['list'])
    expect(list.code).toBe(0)
    const listed = list.out.join('\n')
    for (const [name, prefix, key] of rows) {
      expect(listed).toContain(name)
      expect(listed).toContain(prefix)
      expect(listed).not.toContain(key) // shown once, at creation only
    }
  })

  it('revokes by display prefix, and broadcasts it when Redis is configured', async () => {
    const made = await run(['--name-prefix', 'Doomed'])
    const [, prefix, key] = made.out[0].split('\t')
    const id = await withDb(async (db) => (await findKeyByPlain(db, key))!.id)

    const conn = openRedis(env.REDIS_URL, redisPrefix)
    const bus = new PubSub(conn)
    const heard: string[] = []
    bus.subscribe(KEY_REVOKED_CHANNEL, (m) => heard.push(m))
    await bus.ready()
    try {
      const r = await run(['revoke', prefix])
      expect(r.code).toBe(0)
      expect(r.out[0]).toContain(id)
      if (conn) await vi.waitFor(() => expect(heard).toEqual([id]))
    } finally {
      bus.close()
      await conn?.close()
    }
    await withDb(async (db) => expect((await findKeyByPlain(db, key))!.revokedAt).toBeInstanceOf(Date))
    const again = await run(['revoke', prefix])
    expect(again.code).toBe(1)
    expect(again.err).toEqual([`keys: no live key matches "${prefix}"`])
  })

  it('prints INSERT statements with --sql, touching no database', async () => {
    const nowhere = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }
    const r = await run(['--sql', '-n', '2', '--name-prefix', "O'Brien", '--scopes', 'admin'], nowhere)
    expect(r.code).toBe(0)
    const sql = r.out.join('\n')
    const keys = r.err.map((l) => l.split('\t')[2])
    expect(keys).toHaveLength(2)
    for (const key of keys) expect(sql).not.toContain(key) // the keys go to the terminal, not the file
    await withDb(async (db) => {
      await db.exec(sql)
      for (const key of keys) expect(await findKeyByPlain(db, key)).toMatchObject({ scopes: ['admin'] })
    })
  })

  // The recipe in README and docs/deployment.md, as an operator types it: npm's banner on stdout
  // must not reach the file, and psql must apply every key or none.
  it.skipIf(!process.env.DATABASE_URL)('the documented recipe: npm run keys -- --sql -o FILE, then psql -v ON_ERROR_STOP=1 -f FILE (needs a PostgreSQL server)', async () => {
    const exec = promisify(execFile)
    const file = join(dataDir, 'keys.sql')
    const made = await exec('npm', ['run', 'keys', '--', '-n', '3', '--sql', '-o', file], { env: { ...process.env, ...env } })
    const keys = made.stderr.split('\n').filter((l) => l.includes('\t')).map((l) => l.split('\t')[2])
    expect(keys).toHaveLength(3)
    expect(made.stdout).not.toContain('INSERT') // the SQL went to the file only
    const again = await exec('npm', ['run', 'keys', '--', '--sql', '-o', file], { env: { ...process.env, ...env } }).catch((e: { code: number; stderr: string }) => e)
    expect(again).toMatchObject({ code: 2, stderr: expect.stringContaining(`keys: ${file} exists: apply it and delete it, or name another file`) })

    await exec('psql', [tdb!.url!, '-v', 'ON_ERROR_STOP=1', '-f', file])
    await withDb(async (db) => {
      for (const key of keys) expect(await findKeyByPlain(db, key)).toMatchObject({ scopes: ['tts'] })
    })

    // A file that went wrong halfway (here: npm's banner, as `> keys.sql` would have put it in)
    // makes psql fail loudly and stores none of its keys, not some of them.
    const broken = join(dataDir, 'broken.sql')
    await exec('npm', ['run', 'keys', '--', '-n', '2', '--sql', '-o', broken], { env: { ...process.env, ...env } }).then(async (r) => {
      const sql = readFileSync(broken, 'utf8').split('\n')
      sql.splice(3, 0, '> callwaiting-tts@0.1.0 keys')
      writeFileSync(broken, sql.join('\n'))
      const lost = r.stderr.split('\n').filter((l) => l.includes('\t')).map((l) => l.split('\t')[2])
      const applied = await exec('psql', [tdb!.url!, '-v', 'ON_ERROR_STOP=1', '-f', broken]).catch((e: { code: number }) => e)
      expect(applied).toMatchObject({ code: 3 })
      await withDb(async (db) => {
        for (const key of lost) expect(await findKeyByPlain(db, key)).toBeNull()
      })
    })
  })

  it.each([
    [['--bogus'], "keys: Unknown option '--bogus'"],
    [['-n', '0'], 'keys: -n must be an integer from 1 to 1000, got "0"'],
    [['-n', '2.5'], 'keys: -n must be an integer from 1 to 1000, got "2.5"'],
    [['--rate', 'fast'], 'keys: --rate must be an integer from 1 to 2147483647, got "fast"'],
    [['--chars=-1'], 'keys: --chars must be an integer from 0 to 9007199254740991, got "-1"'],
    [['--chars', '-1'], "keys: Option '--chars' argument is ambiguous."],
    [['--scopes', 'tts,root'], 'keys: unknown scope "root": use tts, calls, admin'],
    [['--prefix', 'no spaces'], 'keys: prefix must be a letter then up to 31 letters, digits or underscores'],
    [['revoke'], 'keys: revoke takes one id, display prefix or key'],
    [['list', '--sql'], 'keys: --sql only applies to creating keys'],
    [['-o', 'keys.sql'], 'keys: -o writes the --sql statements: give --sql too'],
    [['delete'], 'keys: unknown command "delete"'],
  ])('refuses %j with one line and exit code 2', async (argv, message) => {
    const r = await run(argv)
    expect(r.code).toBe(2)
    expect(r.out).toEqual([])
    expect(r.err).toHaveLength(1)
    expect(r.err[0]).toBe(message)
  })

  it('refuses a bad configuration the same way', async () => {
    const r = await run(['list'], { DATABASE_URL: 'mysql://nope' })
    expect(r).toMatchObject({ code: 2, err: [expect.stringContaining('DATABASE_URL')] })
  })

  it('runs as a program: exit codes and one-line errors, no stack traces', async () => {
    const exec = promisify(execFile)
    const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx')
    const cli = (args: string[], extra: Record<string, string>) =>
      exec(tsx, ['src/cli/keys.ts', ...args], { env: { ...process.env, ...extra } }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      )
    const bad = await cli(['--rate', '0'], {})
    expect(bad).toMatchObject({ code: 2, stdout: '', stderr: 'keys: --rate must be an integer from 1 to 2147483647, got "0"\n' })
    const down = await cli(['list'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' })
    expect(down.code).toBe(1)
    expect(down.stderr.trim().split('\n')).toHaveLength(1)
    expect(down.stderr).toMatch(/^keys: database unavailable/)
    expect(down.stderr).not.toMatch(/\n\s+at /)
  })

  it.skipIf(process.env.DATABASE_URL)('refuses the embedded database while a service has it open, and says what to do instead', async () => {
    const service = await openDb({ dataDir }) // what a running `npm start` holds
    try {
      const r = await run(['list'])
      expect(r.code).toBe(1)
      expect(r.err.join('\n')).toMatch(/^keys: the embedded database in .* is in use .*stop it first, or make and revoke keys over HTTP with an admin key \(POST \/v1\/keys\)/)
    } finally {
      await service.close()
    }
    expect((await run(['list'])).code).toBe(0)
  })
})
