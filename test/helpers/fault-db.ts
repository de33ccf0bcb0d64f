// The database for a service run as a child process: a new database on the DATABASE_URL server when
// that is set, else a PGlite data directory. A key is made in it before the child starts (PGlite
// allows one process at a time on a directory, so the test's handle is closed first), and the test
// opens it again afterwards to count what the child wrote.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDb, type Db } from '../../src/store/db.js'
import { createKey, type Scope } from '../../src/store/keys.js'
import { migrate } from '../../src/store/migrate.js'
import { createTestDatabase, type TestDatabase } from './db.js'

export interface ChildDatabase {
  /** DATABASE_URL or DATA_DIR, for the child's environment. */
  env: Record<string, string>
  key: string
  keyId: string
  /** Opens the database again (for PGlite: only once the child has exited). */
  open(): Promise<Db>
  drop(): Promise<void>
}

export async function childDatabase(scopes: Scope[] = ['tts', 'calls', 'admin']): Promise<ChildDatabase> {
  let testDb: TestDatabase | undefined
  let dataDir: string | undefined
  let db: Db
  if (process.env.DATABASE_URL) {
    testDb = await createTestDatabase()
    db = await testDb.openMigrated()
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'cw-fault-db-'))
    db = await openDb({ dataDir })
    await migrate(db)
  }
  const created = await createKey(db, { name: 'fault test', scopes, rateLimitPerMinute: 1_000_000, monthlyCharLimit: 100_000_000 })
  if (dataDir) await db.close()
  return {
    env: testDb ? { DATABASE_URL: testDb.url! } : { DATA_DIR: dataDir! },
    key: created.key,
    keyId: created.row.id,
    open: () => (testDb ? testDb.open() : openDb({ dataDir: dataDir! })),
    drop: async () => {
      await testDb?.drop()
      if (dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
