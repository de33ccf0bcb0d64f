import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { Db } from '../../src/store/db.js'
import {
  createKey, ensureBootstrapKey, findKeyByPlain, hashKey, insertSql, isWellFormedKey, KeyOptionError,
  listKeys, revokeKey, touchKeys,
} from '../../src/store/keys.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'

let tdb: TestDatabase
let db: Db
beforeAll(async () => {
  tdb = await createTestDatabase()
  db = await tdb.openMigrated()
})
afterAll(() => tdb.drop())

describe('key format', () => {
  it('accepts the keys it makes and refuses near misses without I/O', async () => {
    const { key } = insertSql({ name: 'x' })
    expect(key).toMatch(/^cw_live_[A-Za-z0-9_-]{43}$/)
    expect(isWellFormedKey(key)).toBe(true)
    expect(isWellFormedKey(key, 'cw_live_')).toBe(true)
    expect(isWellFormedKey(key, 'cw_test_')).toBe(false)
    // Without the prefix a truncated key can still look like another prefix + 43 chars;
    // given the prefix, the length is exact.
    expect(isWellFormedKey(key.slice(0, -1), 'cw_live_')).toBe(false)
    expect(isWellFormedKey(`${key}A`, 'cw_live_')).toBe(false)
    expect(isWellFormedKey('c' + 'A'.repeat(42))).toBe(false) // too short for any prefix
    expect(isWellFormedKey(key.replace('cw_live_', '9'))).toBe(false) // a prefix starts with a letter
    expect(isWellFormedKey(`${key.slice(0, -1)}!`)).toBe(false)
    expect(isWellFormedKey(`${key.slice(0, -1)}B`)).toBe(false) // 32 bytes leave the last digit's low bits zero
    expect(isWellFormedKey('cw_live_' + 'A'.repeat(10_000))).toBe(false)
    expect(isWellFormedKey(undefined)).toBe(false)
    expect(isWellFormedKey(42)).toBe(false)
  })

  it('recognises every key made with any valid prefix', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,31}$/), (prefix) => {
        const { key } = insertSql({ name: 'p', prefix })
        return isWellFormedKey(key) && isWellFormedKey(key, prefix)
      }),
      { numRuns: 200 },
    )
  })

  it('refuses bad options', () => {
    expect(() => insertSql({ name: 'x', prefix: 'has space' })).toThrow(KeyOptionError)
    expect(() => insertSql({ name: 'x', prefix: '' })).toThrow(KeyOptionError)
    expect(() => insertSql({ name: ' ' })).toThrow(KeyOptionError)
    expect(() => insertSql({ name: 'x', scopes: ['root' as never] })).toThrow(KeyOptionError)
    expect(() => insertSql({ name: 'x', scopes: [] })).toThrow(KeyOptionError)
    expect(() => insertSql({ name: 'x', rateLimitPerMinute: 0 })).toThrow(KeyOptionError)
    expect(() => insertSql({ name: 'x', monthlyCharLimit: -1 })).toThrow(KeyOptionError)
  })
})

describe('keys in the database', () => {
  it('stores only the hash and finds the key by its plain text', async () => {
    const { key, row } = await createKey(db, {
      name: 'Production Key 1', scopes: ['tts', 'calls'], rateLimitPerMinute: 120, monthlyCharLimit: 5_000,
    })
    expect(row).toMatchObject({
      name: 'Production Key 1', scopes: ['tts', 'calls'], rateLimitPerMinute: 120, monthlyCharLimit: 5_000,
      keyPrefix: key.slice(0, 16), revokedAt: null, lastUsedAt: null,
    })
    const stored = await db.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [row.id])
    expect(JSON.stringify(stored)).not.toContain(key)
    expect(stored[0].key_hash).toBe(hashKey(key))

    expect(await findKeyByPlain(db, key)).toEqual(row)
    expect(await findKeyByPlain(db, insertSql({ name: 'other' }).key)).toBeNull()
    expect(await findKeyByPlain(db, 'not a key')).toBeNull()
  })

  it('applies the column defaults', async () => {
    const { row } = await createKey(db, { name: 'defaults' })
    expect(row).toMatchObject({ scopes: ['tts'], rateLimitPerMinute: 60, monthlyCharLimit: 1_000_000 })
  })

  it('revokes by id, by display prefix and by the key itself', async () => {
    const a = await createKey(db, { name: 'a' })
    const b = await createKey(db, { name: 'b' })
    const c = await createKey(db, { name: 'c' })
    expect((await revokeKey(db, a.row.id)).map((k) => k.id)).toEqual([a.row.id])
    expect((await revokeKey(db, b.row.keyPrefix)).map((k) => k.id)).toEqual([b.row.id])
    expect((await revokeKey(db, c.key)).map((k) => k.id)).toEqual([c.row.id])
    expect(await revokeKey(db, a.row.id)).toEqual([]) // already revoked
    expect(await revokeKey(db, 'cw_live_nothing1')).toEqual([])
    expect((await findKeyByPlain(db, a.key))?.revokedAt).toBeInstanceOf(Date)
    const live = await listKeys(db, { includeRevoked: false })
    expect(live.map((k) => k.id)).not.toContain(a.row.id)
    expect((await listKeys(db)).map((k) => k.id)).toContain(a.row.id)
  })

  it('refuses an ambiguous display prefix', async () => {
    const a = await createKey(db, { name: 'twin a' })
    const b = await createKey(db, { name: 'twin b' })
    await db.query('UPDATE api_keys SET key_prefix = $1 WHERE id = ANY($2::uuid[])', ['cw_live_TWINTWIN', [a.row.id, b.row.id]])
    await expect(revokeKey(db, 'cw_live_TWINTWIN')).rejects.toBeInstanceOf(KeyOptionError)
  })

  it('records when keys were last used, never moving backwards', async () => {
    const { row } = await createKey(db, { name: 'touched' })
    const t1 = new Date('2030-01-02T03:04:05.000Z')
    await touchKeys(db, [[row.id, t1]])
    await touchKeys(db, new Map([[row.id, new Date('2029-01-01T00:00:00.000Z')]]))
    expect((await listKeys(db)).find((k) => k.id === row.id)?.lastUsedAt).toEqual(t1)
  })

  it('makes INSERT statements that produce a working key', async () => {
    const made = insertSql({ name: "O'Brien's key", prefix: 'cw_test_', scopes: ['admin'], monthlyCharLimit: 7 })
    expect(made.sql).not.toContain(made.key)
    await db.exec(made.sql)
    expect(await findKeyByPlain(db, made.key)).toMatchObject({
      name: "O'Brien's key", keyPrefix: made.keyPrefix, scopes: ['admin'], monthlyCharLimit: 7,
    })
  })
})

describe('ensureBootstrapKey', () => {
  it('makes one key with every scope on an empty table, once, even when raced', async () => {
    const fresh = await createTestDatabase()
    try {
      const dbs = [await fresh.openMigrated(), await fresh.open(), await fresh.open()]
      const made = await Promise.all(dbs.map((d) => ensureBootstrapKey(d)))
      const keys = made.filter((m) => m !== null)
      expect(keys).toHaveLength(1)
      expect(keys[0]!.row.scopes.sort()).toEqual(['admin', 'calls', 'tts'])
      expect(await findKeyByPlain(dbs[0], keys[0]!.key)).not.toBeNull()
      expect(await ensureBootstrapKey(dbs[0])).toBeNull()
      await Promise.all(dbs.map((d) => d.close()))
    } finally {
      await fresh.drop()
    }
  })
})
