import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db, Queryable } from '../../src/store/db.js'
import { DatabaseUnavailableError } from '../../src/store/db.js'
import { createKey, hashKey, revokeKey } from '../../src/store/keys.js'
import { KeyDirectory } from '../../src/store/key-directory.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'

let tdb: TestDatabase
let db: Db
beforeAll(async () => {
  tdb = await createTestDatabase()
  db = await tdb.openMigrated()
})
afterAll(() => tdb.drop())

/** The database as the directory sees it, counting its queries; `down` makes them fail as an outage would. */
function watched() {
  const w = { queries: 0, down: false, db: undefined as unknown as Queryable }
  w.db = {
    query: (text, params) => {
      w.queries++
      return w.down ? Promise.reject(new DatabaseUnavailableError('switched off')) : db.query(text, params)
    },
    exec: (text) => db.exec(text),
  }
  return w
}

describe('KeyDirectory', () => {
  it('holds every key from the start, revoked ones marked, with no query per check', async () => {
    const live = await createKey(db, { name: 'live' })
    const gone = await createKey(db, { name: 'gone' })
    await revokeKey(db, gone.row.id)
    const w = watched()
    const dir = new KeyDirectory(w.db)
    await dir.start()
    const after = w.queries
    expect(dir.get(hashKey(live.key))).toMatchObject({ id: live.row.id, revokedAt: null })
    expect(dir.get(hashKey(gone.key))?.revokedAt).toBeInstanceOf(Date)
    expect(w.queries).toBe(after)
    dir.close()
  })

  it('looks up unknown hashes in one batched query, and finds keys made after it loaded', async () => {
    const w = watched()
    const dir = new KeyDirectory(w.db, { lookupGapMs: 50 })
    await dir.start()
    const made = await createKey(db, { name: 'made later' })
    const before = w.queries
    const found = await Promise.all([
      dir.find(hashKey(made.key)),
      ...Array.from({ length: 200 }, (_, i) => dir.find(hashKey(`nobody ${i}`))),
    ])
    expect(found[0]).toMatchObject({ id: made.row.id })
    expect(found.slice(1).every((k) => k === null)).toBe(true)
    expect(w.queries - before).toBe(1)
    expect(dir.get(hashKey(made.key))).toMatchObject({ id: made.row.id }) // held from now on
    dir.close()
  })

  it('keeps a revocation heard by message even when a reload read the row before it', async () => {
    const k = await createKey(db, { name: 'to revoke' })
    const dir = new KeyDirectory(db)
    await dir.start()
    dir.revoked(k.row.id) // the message; the row in the database is still live
    expect(dir.get(hashKey(k.key))?.revokedAt).toBeInstanceOf(Date)
    await dir.reload()
    expect(dir.get(hashKey(k.key))?.revokedAt).toBeInstanceOf(Date)
    dir.close()
  })

  it('serves the keys it holds while the database is down, and says it cannot check the others', async () => {
    const k = await createKey(db, { name: 'known' })
    const w = watched()
    const dir = new KeyDirectory(w.db)
    await dir.start()
    w.down = true
    expect(dir.get(hashKey(k.key))).toMatchObject({ id: k.row.id })
    await expect(dir.find(hashKey('unknown'))).rejects.toBeInstanceOf(DatabaseUnavailableError)
    dir.close()
  })
})
