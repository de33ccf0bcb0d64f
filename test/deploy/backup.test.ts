// scripts/backup.sh and scripts/restore.sh against the local PostgreSQL (DATABASE_URL, else
// postgres://postgres@127.0.0.1:5432/postgres): a scratch database with rows is backed up, dropped,
// restored into a new database and compared; both through a URL and through the --compose path
// (pointed at the same local server instead of a container).
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const server = new URL(SERVER)
const onLoopback = ['127.0.0.1', 'localhost', '[::1]'].includes(server.hostname)
const tools = ['pg_dump', 'pg_restore', 'psql', 'pg_isready'].every((t) => spawnSync(t, ['--version']).status === 0)
const reachable = tools && onLoopback && spawnSync('pg_isready', ['-d', SERVER, '-t', '5']).status === 0
// Elsewhere a machine without a local PostgreSQL skips these tests; CI (which has one) must run them.
const required = process.env.CI === 'true'

/** The server's URL with another database. */
const urlFor = (db: string) => {
  const u = new URL(SERVER)
  u.pathname = `/${db}`
  return u.toString()
}

const psql = (db: string, sql: string) =>
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-tA', '-d', urlFor(db), '-c', sql], { encoding: 'utf8' }).trim()

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

function script(name: string, args: string[], env: Record<string, string> = {}): Run {
  const run = spawnSync('bash', [join(ROOT, 'scripts', name), ...args], {
    encoding: 'utf8', timeout: 60_000, env: { ...process.env, DATABASE_URL: '', ...env },
  })
  return { status: run.status, stdout: run.stdout.trim(), stderr: run.stderr }
}

describe.skipIf(!required && !reachable)('backup and restore', () => {
  const tag = randomBytes(4).toString('hex')
  const source = `cw_backup_src_${tag}`
  const made: string[] = [source]
  let dir: string

  const rows = (db: string) => psql(db, 'SELECT id, name, amount, created_at, tags FROM calls ORDER BY id')

  beforeAll(() => {
    expect(tools, 'pg_dump, pg_restore, psql and pg_isready must be installed (apt-get install postgresql-client)').toBe(true)
    expect(reachable, `no PostgreSQL on loopback at ${server.host}`).toBe(true)
    dir = mkdtempSync(join(tmpdir(), 'cw-backup-'))
    psql('postgres', `CREATE DATABASE ${source}`)
    psql(source, `
      CREATE TABLE calls (id serial PRIMARY KEY, name text NOT NULL, amount numeric(10,2), created_at timestamptz, tags text[]);
      CREATE INDEX calls_name ON calls (name);
      INSERT INTO calls (name, amount, created_at, tags) VALUES
        ('Zoë', 12.50, '2026-01-02T03:04:05Z', '{a,b}'),
        ('line two' || chr(10) || 'with a newline', NULL, NULL, '{}'),
        ('O''Brien', 0.01, '2026-11-26T00:00:00Z', NULL);
      INSERT INTO calls (name, amount) SELECT 'bulk ' || g, g FROM generate_series(1, 500) g;`)
  })

  afterAll(() => {
    for (const db of made) spawnSync('psql', ['-X', '-q', '-d', urlFor('postgres'), '-c', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`])
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('backs up, and after the database is dropped, restores every row into a new database', () => {
    const before = rows(source)
    expect(psql(source, 'SELECT count(*) FROM calls')).toBe('503')

    const backup = script('backup.sh', ['--url', urlFor(source), '--dir', dir])
    expect(backup.status, backup.stderr).toBe(0)
    const archive = backup.stdout
    expect(archive).toMatch(new RegExp(`^${dir}/callwaiting-\\d{8}T\\d{6}Z(-\\d+)?\\.dump$`))
    expect(statSync(archive).mode & 0o077).toBe(0) // readable by its owner only
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([])

    psql('postgres', `DROP DATABASE ${source}`)
    const target = `cw_backup_dst_${tag}`
    made.push(target)
    const restore = script('restore.sh', ['--url', urlFor('postgres'), archive, target])
    expect(restore.status, restore.stderr).toBe(0)
    expect(rows(target)).toBe(before)
    // The index and the sequence came back too: the next id follows on.
    expect(psql(target, `SELECT indexname FROM pg_indexes WHERE tablename = 'calls' ORDER BY 1`)).toBe('calls_name\ncalls_pkey')
    expect(psql(target, `INSERT INTO calls (name) VALUES ('next') RETURNING id`)).toBe('504')

    // Restoring onto an existing database is refused, and leaves it as it was ...
    const again = script('restore.sh', ['--url', urlFor('postgres'), archive, target])
    expect(again.status).toBe(2)
    expect(again.stderr).toContain('already exists')
    expect(psql(target, 'SELECT count(*) FROM calls')).toBe('504')
    // ... unless asked to replace it.
    const replaced = script('restore.sh', ['--url', urlFor('postgres'), '--replace', archive, target])
    expect(replaced.status, replaced.stderr).toBe(0)
    expect(rows(target)).toBe(before)

    // Re-create the source for the next test.
    const back = script('restore.sh', ['--url', urlFor('postgres'), archive, source])
    expect(back.status, back.stderr).toBe(0)
  })

  it('runs pg_dump and pg_restore through the database container with --compose', () => {
    // What `docker compose exec -T postgres` would give: a shell with the container's POSTGRES_*
    // variables. Here it is this machine's server, reached through libpq's environment.
    const env = {
      CW_PG_EXEC: `env POSTGRES_USER=${decodeURIComponent(server.username) || 'postgres'} POSTGRES_DB=${source} PGHOST=${server.hostname.replace(/^\[|\]$/g, '')} PGPORT=${server.port || '5432'}`,
      ...(server.password ? { PGPASSWORD: decodeURIComponent(server.password) } : {}),
    }
    const backup = script('backup.sh', ['--compose', '--dir', dir], env)
    expect(backup.status, backup.stderr).toBe(0)
    const target = `cw_backup_cmp_${tag}`
    made.push(target)
    const restore = script('restore.sh', ['--compose', backup.stdout, target], env)
    expect(restore.status, restore.stderr).toBe(0)
    expect(rows(target)).toBe(rows(source))
  })

  it('removes only its own archives older than --keep-days', () => {
    const day = 24 * 3600
    const now = Date.now() / 1000
    const aged = (name: string, days: number) => {
      const path = join(dir, name)
      writeFileSync(path, 'old')
      utimesSync(path, now - days * day, now - days * day)
    }
    aged('callwaiting-20000101T000000Z.dump', 30)
    aged('callwaiting-20000102T000000Z.dump', 6)
    aged('notes-20000101T000000Z.dump', 30) // another prefix: not ours
    aged('callwaiting-20000101T000000Z.txt', 30) // not an archive
    const backup = script('backup.sh', ['--url', urlFor(source), '--dir', dir, '--keep-days', '7'])
    expect(backup.status, backup.stderr).toBe(0)
    expect(backup.stderr).toContain('removed old archive')
    const left = readdirSync(dir)
    expect(left).not.toContain('callwaiting-20000101T000000Z.dump')
    expect(left).toEqual(expect.arrayContaining(['callwaiting-20000102T000000Z.dump', 'notes-20000101T000000Z.dump', 'callwaiting-20000101T000000Z.txt']))
  })

  it('refuses a file that is not an archive, and leaves no database behind', () => {
    const bogus = join(dir, 'bogus.dump')
    writeFileSync(bogus, 'PGDMP but not really')
    const target = `cw_backup_bad_${tag}`
    made.push(target)
    const restore = script('restore.sh', ['--url', urlFor('postgres'), bogus, target])
    expect(restore.status).not.toBe(0)
    expect(psql('postgres', `SELECT count(*) FROM pg_database WHERE datname = '${target}'`)).toBe('0')
  })

  it('refuses unsafe database names and missing arguments', () => {
    expect(script('restore.sh', ['--url', urlFor('postgres'), join(dir, 'x.dump'), 'a"; DROP DATABASE postgres; --']).status).toBe(2)
    expect(script('restore.sh', ['--url', urlFor('postgres'), 'only-one-argument']).status).toBe(2)
    expect(script('backup.sh', []).stderr).toContain('no database')
    expect(script('backup.sh', ['--url', urlFor(source), '--keep-days', 'ten']).status).toBe(2)
  })
})
