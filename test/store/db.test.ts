import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseUnavailableError, isUnavailable, openDb } from '../../src/store/db.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'

let tdb: TestDatabase
beforeAll(async () => {
  tdb = await createTestDatabase()
})
afterAll(() => tdb.drop())

describe('openDb', () => {
  it('runs parameterised queries, scripts and transactions the same way on either backend', async () => {
    const db = await tdb.open()
    expect(db.kind).toBe(tdb.kind)
    await db.ping()
    await db.exec('CREATE TABLE t_db (id int PRIMARY KEY, tags text[], n bigint); CREATE INDEX ON t_db (n);')
    await db.query('INSERT INTO t_db VALUES ($1, $2::text[], $3)', [1, ['a', "b'c"], 9_000_000_000])
    const rows = await db.query<{ id: number; tags: string[]; n: number }>('SELECT * FROM t_db')
    // bigint comes back as a number from both drivers
    expect(rows).toEqual([{ id: 1, tags: ['a', "b'c"], n: 9_000_000_000 }])

    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t_db VALUES (2, NULL, 0)')
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    const committed = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t_db VALUES (3, NULL, 0)')
      return (await tx.query<{ c: number }>('SELECT count(*)::int AS c FROM t_db'))[0].c
    })
    expect(committed).toBe(2)
    expect((await db.query('SELECT id FROM t_db ORDER BY id')).map((r) => r.id)).toEqual([1, 3])
    await db.close()
  })

  it('keeps SQL errors as they are', async () => {
    const db = await tdb.open()
    const err = await db.query('SELECT * FROM no_such_table').catch((e: unknown) => e)
    expect(err).not.toBeInstanceOf(DatabaseUnavailableError)
    expect(isUnavailable(err)).toBe(false)
    await db.close()
  })

  it('maps a refused connection to DatabaseUnavailableError', async () => {
    const db = await openDb({ url: 'postgres://postgres@127.0.0.1:1/none', connectTimeoutS: 2 })
    await expect(db.ping()).rejects.toBeInstanceOf(DatabaseUnavailableError)
    await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailableError)
    await db.close()
  })

  it('maps a closed PGlite to DatabaseUnavailableError', async () => {
    const db = await openDb({ dataDir: 'memory://' })
    await db.close()
    await expect(db.ping()).rejects.toBeInstanceOf(DatabaseUnavailableError)
  })

  it('keeps PGlite data on disk under dataDir across reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-pglite-'))
    try {
      const a = await openDb({ dataDir: dir })
      await a.exec('CREATE TABLE kept (v text)')
      await a.query('INSERT INTO kept VALUES ($1)', ['still here'])
      await a.close()
      const b = await openDb({ dataDir: dir })
      expect(await b.query('SELECT v FROM kept')).toEqual([{ v: 'still here' }])
      await b.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('lets one process at a time have an embedded database, and takes over from one that is gone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-pglite-'))
    const lock = join(dir, 'pgdata.lock')
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    try {
      const a = await openDb({ dataDir: dir })
      await expect(openDb({ dataDir: dir })).rejects.toThrow(/in use by this process/)
      await a.close()

      writeFileSync(lock, `${other.pid}\n`)
      await expect(openDb({ dataDir: dir })).rejects.toThrow(new RegExp(`in use by process ${other.pid}.*POST /v1/keys`))
      other.kill()
      await once(other, 'exit')
      const b = await openDb({ dataDir: dir }) // its process is gone: the lock is stale
      expect(readFileSync(lock, 'utf8')).toBe(`${process.pid}\n`)
      await b.close()
      expect(existsSync(lock)).toBe(false)

      // A container that restarted gets the same pid as the process that left the lock.
      writeFileSync(lock, `${process.pid}\n`)
      const c = await openDb({ dataDir: dir })
      await c.close()
    } finally {
      other.kill()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
