import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import type { Db } from './db.js'

/** Any constant works as long as every instance uses the same one. */
const MIGRATION_LOCK = 7_245_120_031

const FILE_NAME = /^(\d{3,})_[\w-]+\.sql$/

export interface Migration {
  version: string
  name: string
  sql: string
  checksum: string
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError'
}

/** `schema/` at the repository root, found from here whether running from src/ or a build. */
export function defaultSchemaDir(): string {
  for (const up of ['../../schema', '../../../schema']) {
    const dir = fileURLToPath(new URL(up, import.meta.url))
    if (existsSync(dir)) return dir
  }
  throw new MigrationError('schema/ directory not found')
}

export async function loadMigrations(dir = defaultSchemaDir()): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  const seen = new Set<string>()
  const out: Migration[] = []
  for (const name of files) {
    const m = FILE_NAME.exec(name)
    if (!m) throw new MigrationError(`migration file name must be NNN_name.sql: ${name}`)
    const version = m[1]
    if (seen.has(version)) throw new MigrationError(`two migrations share version ${version}`)
    seen.add(version)
    const sql = await readFile(join(dir, name), 'utf8')
    out.push({ version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') })
  }
  return out
}

/**
 * Applies pending migrations in order, each in its own transaction that first takes a
 * transaction-scoped advisory lock: a second instance starting at the same moment waits,
 * then sees the migration recorded and skips it. Returns the names applied by this call.
 */
export async function migrate(db: Db, dir?: string): Promise<string[]> {
  const migrations = await loadMigrations(dir)
  await db.ping() // bounded: a database that never answers fails the start here, not much later
  const applied: string[] = []
  for (const mig of migrations) {
    const ran = await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`)
      await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    text PRIMARY KEY,
        name       text NOT NULL,
        checksum   text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`)
      const [row] = await tx.query<{ checksum: string }>(
        'SELECT checksum FROM schema_migrations WHERE version = $1',
        [mig.version],
      )
      if (row) {
        // An edited migration would leave databases that ran the old text silently different.
        if (row.checksum !== mig.checksum) {
          throw new MigrationError(`migration ${mig.name} was changed after it was applied`)
        }
        return false
      }
      await tx.exec(mig.sql)
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        mig.version,
        mig.name,
        mig.checksum,
      ])
      return true
    })
    if (ran) applied.push(mig.name)
  }
  return applied
}
