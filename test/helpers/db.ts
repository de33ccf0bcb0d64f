import { randomBytes } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { PGlite } from '@electric-sql/pglite'
import postgres from 'postgres'
import { openDb, type Db } from '../../src/store/db.js'
import { migrate } from '../../src/store/migrate.js'

/** A fresh, empty database for one test file; `url` is set when it lives on a real server. */
export interface TestDatabase {
  url?: string
  kind: 'postgres' | 'pglite'
  /** Opens a connection to this database (call as often as needed; close each). */
  open(): Promise<Db>
  /** Opens and migrates. */
  openMigrated(): Promise<Db>
  /** Drops the database (PostgreSQL) after closing what open() handed out. */
  drop(): Promise<void>
}

/**
 * With DATABASE_URL: CREATE DATABASE cw_test_<random> on that server and hand out URLs to it.
 * Without: an in-memory PGlite, one instance shared by every open() (PGlite is one process).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL
  const opened: Db[] = []
  const track = async (p: Promise<Db>) => {
    const db = await p
    opened.push(db)
    return db
  }
  if (!serverUrl) {
    const shared = await openDb({ dataDir: 'memory://', fromDump: await emptyCluster() })
    // Closing a handle must not close the database under the other handles of this file.
    const handle = (): Db => ({ ...shared, close: async () => {} })
    return {
      kind: 'pglite',
      open: async () => handle(),
      openMigrated: async () => {
        const db = handle()
        await migrate(db)
        return db
      },
      drop: () => shared.close(),
    }
  }
  const name = `cw_test_${randomBytes(6).toString('hex')}`
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE ${name}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const dbUrl = url.toString()
  return {
    url: dbUrl,
    kind: 'postgres',
    open: () => track(openDb({ url: dbUrl })),
    openMigrated: async () => {
      const db = await track(openDb({ url: dbUrl }))
      await migrate(db)
      return db
    },
    drop: async () => {
      await Promise.allSettled(opened.map((db) => db.close()))
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    },
  }
}

/**
 * A freshly initialised PGlite cluster, dumped once to a file that every test file starts from:
 * initdb takes 2-4 s here, loading the dump under one. Keyed by PGlite's version; test files that
 * race to make it each write their own copy and rename it into place.
 */
async function emptyCluster(): Promise<Blob> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite')
  const { version } = JSON.parse(await readFile(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }
  const file = join(tmpdir(), `cw-test-pglite-${version}.tar`)
  try {
    return new Blob([await readFile(file)])
  } catch {
    const pg = await PGlite.create('memory://')
    const dump = await pg.dumpDataDir('none')
    await pg.close()
    const partial = `${file}.${randomBytes(4).toString('hex')}`
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()))
    await rename(partial, file)
    return dump
  }
}
