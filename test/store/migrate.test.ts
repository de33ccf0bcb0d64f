import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { loadMigrations, migrate, MigrationError } from '../../src/store/migrate.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'

let tdb: TestDatabase
beforeAll(async () => {
  tdb = await createTestDatabase()
})
afterAll(() => tdb.drop())

describe('migrate', () => {
  it('applies every schema file once, in order, and records it', async () => {
    const db = await tdb.open()
    const files = (await loadMigrations()).map((m) => m.name)
    expect(files.length).toBeGreaterThan(0)
    expect(await migrate(db)).toEqual(files)
    expect(await migrate(db)).toEqual([]) // second start: nothing to do
    const recorded = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY version')
    expect(recorded.map((r) => r.name)).toEqual(files)
    const tables = await db.query<{ t: string }>(
      `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    )
    expect(tables.map((r) => r.t)).toEqual(expect.arrayContaining(['api_keys', 'voices', 'usage']))
    await db.close()
  })

  it('is safe when several instances migrate the same database at once', async () => {
    const fresh = await createTestDatabase()
    try {
      const dbs = await Promise.all([fresh.open(), fresh.open(), fresh.open()])
      const results = await Promise.all(dbs.map((db) => migrate(db)))
      const all = (await loadMigrations()).map((m) => m.name)
      // each migration ran exactly once, whoever ran it
      expect(results.flat().sort()).toEqual(all)
      const [{ c }] = await dbs[0].query<{ c: number }>('SELECT count(*)::int AS c FROM schema_migrations')
      expect(c).toBe(all.length)
      await Promise.all(dbs.map((db) => db.close()))
    } finally {
      await fresh.drop()
    }
  })

  it('runs a directory of migrations in numeric order and refuses an edited one', async () => {
    const fresh = await createTestDatabase()
    const dir = await mkdtemp(join(tmpdir(), 'cw-mig-'))
    try {
      await writeFile(join(dir, '002_second.sql'), 'INSERT INTO m_order VALUES (2);')
      await writeFile(join(dir, '001_first.sql'), 'CREATE TABLE m_order (v int); INSERT INTO m_order VALUES (1);')
      const db = await fresh.open()
      expect(await migrate(db, dir)).toEqual(['001_first.sql', '002_second.sql'])
      expect((await db.query('SELECT v FROM m_order')).map((r) => r.v)).toEqual([1, 2])
      await writeFile(join(dir, '002_second.sql'), 'INSERT INTO m_order VALUES (3);')
      await expect(migrate(db, dir)).rejects.toBeInstanceOf(MigrationError)
      await db.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
      await fresh.drop()
    }
  })

  it('rolls back a failing migration as a whole', async () => {
    const fresh = await createTestDatabase()
    const dir = await mkdtemp(join(tmpdir(), 'cw-mig-'))
    try {
      await writeFile(join(dir, '001_bad.sql'), 'CREATE TABLE half (v int); SELECT no_such_function();')
      const db = await fresh.open()
      await expect(migrate(db, dir)).rejects.toThrow()
      const [{ t }] = await db.query<{ t: string | null }>(`SELECT to_regclass('half')::text AS t`)
      expect(t).toBeNull()
      await db.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
      await fresh.drop()
    }
  })

  it('keeps the usage rows written before usage was keyed by request id', async () => {
    const fresh = await createTestDatabase()
    const dir = await mkdtemp(join(tmpdir(), 'cw-mig-'))
    try {
      const all = await loadMigrations()
      for (const m of all.filter((m) => m.version < '003')) await writeFile(join(dir, m.name), m.sql)
      const db = await fresh.open()
      await migrate(db, dir)
      const old = randomUUID()
      await db.query(`INSERT INTO usage (request_id, key_id, status, characters, endpoint) VALUES ($1, NULL, 200, 12, '/v1/tts')`, [old])
      expect(await migrate(db)).toEqual(all.filter((m) => m.version >= '003').map((m) => m.name))
      const rows = await db.query<{ request_id: string; characters: number }>('SELECT request_id::text, characters FROM usage')
      expect(rows).toEqual([{ request_id: old, characters: 12 }])
      await expect(db.query(`INSERT INTO usage (request_id, status, endpoint) VALUES ($1, 200, '/v1/tts')`, [old])).rejects.toThrow(/duplicate|unique/)
      await db.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
      await fresh.drop()
    }
  })

  it('rejects badly named files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-mig-'))
    try {
      await writeFile(join(dir, 'init.sql'), 'SELECT 1')
      await expect(loadMigrations(dir)).rejects.toBeInstanceOf(MigrationError)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
