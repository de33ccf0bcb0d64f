// API keys from the shell:
//   npm run keys -- -n 5 --prefix cw_live_ --name-prefix "Production Key" [--scopes tts,calls] [--rate 60] [--chars 1000000]
//   npm run keys -- -n 5 --sql -o keys.sql      (then: psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f keys.sql)
//   npm run keys -- list
//   npm run keys -- revoke <id | display prefix | key>
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { loadConfig, ConfigError, type Config } from '../config.js'
import { openDb, type Db } from '../store/db.js'
import { startErrorMessage } from '../start-errors.js'
import { migrate } from '../store/migrate.js'
import {
  createKey, insertSql, listKeys, revokeKey, isScope, generateKey, KeyOptionError,
  KEY_REVOKED_CHANNEL, DEFAULT_KEY_PREFIX, type NewKeyOptions, type Scope,
} from '../store/keys.js'
import { openRedis } from '../store/redis.js'
import { PubSub } from '../store/pubsub.js'

export interface CliIo {
  stdout: (line: string) => void
  stderr: (line: string) => void
  env: Record<string, string | undefined>
}

const USAGE = `usage: keys [create] [-n COUNT] [--prefix cw_live_] [--name-prefix NAME] [--scopes tts,calls,admin]
                   [--rate PER_MINUTE] [--chars PER_MONTH] [--sql [-o FILE]]
       keys list
       keys revoke <id | display prefix | key>`

/** A mistake in how the command was called: one line on stderr, exit code 2. */
class UsageError extends Error {}

const OPTIONS = {
  n: { type: 'string', short: 'n' },
  prefix: { type: 'string' },
  'name-prefix': { type: 'string' },
  scopes: { type: 'string' },
  rate: { type: 'string' },
  chars: { type: 'string' },
  sql: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const

function integer(raw: string | undefined, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`)
  }
  return n
}

function parse(argv: string[]) {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (err) {
    // Node's text goes on to explain `--` for positionals; the first sentence is the point.
    throw new UsageError((err as Error).message.split(/\. To specify|\n/)[0])
  }
  const { values, positionals } = parsed
  const [command = 'create', ...rest] = positionals
  if (!['create', 'list', 'revoke'].includes(command)) throw new UsageError(`unknown command "${command}"`)
  const createOnly = ['n', 'prefix', 'name-prefix', 'scopes', 'rate', 'chars', 'sql', 'output'] as const
  if (command !== 'create') {
    const stray = createOnly.find((o) => values[o] !== undefined)
    if (stray) throw new UsageError(`--${stray} only applies to creating keys`)
  }
  if (values.output !== undefined && !values.sql) throw new UsageError('-o writes the --sql statements: give --sql too')
  if (command === 'revoke' && rest.length !== 1) throw new UsageError('revoke takes one id, display prefix or key')
  if (command !== 'revoke' && rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`)
  const scopes = values.scopes?.split(',').map((s) => s.trim()).filter(Boolean)
  const bad = scopes?.find((s) => !isScope(s))
  if (scopes && (bad !== undefined || scopes.length === 0)) {
    throw new UsageError(`unknown scope "${bad ?? ''}": use tts, calls, admin`)
  }
  const key: Omit<NewKeyOptions, 'name'> = {
    prefix: values.prefix ?? DEFAULT_KEY_PREFIX,
    scopes: scopes as Scope[] | undefined,
    rateLimitPerMinute: integer(values.rate, '--rate', 1, 2_147_483_647),
    monthlyCharLimit: integer(values.chars, '--chars', 0, Number.MAX_SAFE_INTEGER),
  }
  // Validate prefix, scopes and limits once, before anything touches a database.
  try {
    generateKey({ name: 'check', ...key })
  } catch (err) {
    if (err instanceof KeyOptionError) throw new UsageError(err.message)
    throw err
  }
  return {
    command,
    target: rest[0],
    help: values.help ?? false,
    sql: values.sql ?? false,
    output: values.output,
    count: integer(values.n, '-n', 1, 1000) ?? 1,
    namePrefix: values['name-prefix'] ?? 'API Key',
    key,
  }
}

type Args = ReturnType<typeof parse>

function keyNames(args: Args): string[] {
  return Array.from({ length: args.count }, (_, i) => `${args.namePrefix} ${i + 1}`)
}

/**
 * The INSERTs in one transaction, so psql applies all of the keys or none (a key printed as issued
 * but never stored is a key lost). They go to -o FILE, written by this process, because `npm run`
 * prints its own banner on stdout, which `> keys.sql` would put into the file; without -o, to stdout.
 * The keys go to stderr, shown once, never into the SQL.
 */
function printSql(args: Args, io: CliIo): number {
  const made = keyNames(args).map((name) => insertSql({ name, ...args.key }))
  const sql = ['BEGIN;', ...made.map((k) => `-- ${k.name} (${k.keyPrefix})\n${k.sql}`), 'COMMIT;'].join('\n')
  if (args.output === undefined) io.stdout(sql)
  else {
    try {
      // 'wx': an earlier file may hold keys not applied yet; overwriting it would lose them.
      writeFileSync(args.output, `${sql}\n`, { flag: 'wx' })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      throw new UsageError(code === 'EEXIST' ? `${args.output} exists: apply it and delete it, or name another file` : (err as Error).message)
    }
  }
  for (const k of made) io.stderr(`${k.name}\t${k.keyPrefix}\t${k.key}`)
  return 0
}

async function withDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb({ url: config.databaseUrl, dataDir: config.dataDir })
  try {
    await migrate(db)
    return await fn(db)
  } finally {
    await db.close()
  }
}

const when = (d: Date | null) => (d ? d.toISOString() : '-')

/** Runs the command; resolves with the process exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let args: Args
  let config: Config
  try {
    args = parse(argv)
    if (args.help) {
      io.stdout(USAGE)
      return 0
    }
    // --sql touches no database, so it needs no configuration either.
    if (args.command === 'create' && args.sql) return printSql(args, io)
    config = loadConfig(io.env)
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.stderr(`keys: ${err.message}`)
      return 2
    }
    throw err
  }
  try {
    if (args.command === 'create') {
      await withDb(config, async (db) => {
        for (const name of keyNames(args)) {
          const { key, row } = await createKey(db, { name, ...args.key })
          io.stdout(`${row.name}\t${row.keyPrefix}\t${key}`)
        }
      })
      io.stderr('Store these keys now: only their hashes are kept, they cannot be shown again.')
      return 0
    }
    if (args.command === 'list') {
      const keys = await withDb(config, (db) => listKeys(db))
      io.stdout(['id', 'name', 'prefix', 'scopes', 'rate/min', 'chars/month', 'created', 'last used', 'revoked'].join('\t'))
      for (const k of keys) {
        io.stdout([k.id, k.name, k.keyPrefix, k.scopes.join(','), k.rateLimitPerMinute, k.monthlyCharLimit,
          when(k.createdAt), when(k.lastUsedAt), when(k.revokedAt)].join('\t'))
      }
      return 0
    }
    const revoked = await withDb(config, (db) => revokeKey(db, args.target!))
    if (revoked.length === 0) {
      io.stderr(`keys: no live key matches "${args.target}"`)
      return 1
    }
    for (const k of revoked) io.stdout(`revoked\t${k.id}\t${k.name}\t${k.keyPrefix}`)
    await broadcastRevocations(config, revoked.map((k) => k.id), io)
    return 0
  } catch (err) {
    if (err instanceof KeyOptionError) {
      io.stderr(`keys: ${err.message}`)
      return 2
    }
    io.stderr(`keys: ${startErrorMessage(err, config) ?? (err instanceof Error ? err.message : String(err))}`)
    return 1
  }
}

async function broadcastRevocations(config: Config, ids: string[], io: CliIo): Promise<void> {
  const redis = openRedis(config.redisUrl, config.redisKeyPrefix)
  if (!redis) return
  try {
    const bus = new PubSub(redis)
    const reached = (await redis.ready(2000))
      ? (await Promise.all(ids.map((id) => bus.publish(KEY_REVOKED_CHANNEL, id)))).every((w) => w === 'redis')
      : false
    if (!reached) io.stderr('keys: Redis did not answer; running instances drop the key when their key cache expires')
  } finally {
    await redis.close()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: CliIo = {
    stdout: (l) => process.stdout.write(`${l}\n`),
    stderr: (l) => process.stderr.write(`${l}\n`),
    env: process.env,
  }
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code
    },
    (err: unknown) => {
      process.stderr.write(`keys: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exitCode = 1
    },
  )
}
