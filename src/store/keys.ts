import { hash, randomBytes, randomUUID } from 'node:crypto'
import type { Queryable } from './db.js'

export const SCOPES = ['tts', 'calls', 'admin'] as const
export type Scope = (typeof SCOPES)[number]

/** Pub/sub channel announcing a revoked key; the message is the key's id. */
export const KEY_REVOKED_CHANNEL = 'keys:revoked'

export const DEFAULT_KEY_PREFIX = 'cw_live_'
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 60
export const DEFAULT_MONTHLY_CHAR_LIMIT = 1_000_000

/** Characters of the random part shown beside the prefix in listings and accepted by revoke. */
const DISPLAY_CHARS = 8
const SECRET_CHARS = 43 // base64url of 32 bytes, unpadded
/** What a key prefix may be: a letter, then up to 31 letters, digits or underscores. */
export const KEY_PREFIX_RE = /^[A-Za-z][A-Za-z0-9_]{0,31}$/
// 32 bytes = 42 full base64 digits + one digit carrying 4 bits, so its 2 low bits are zero.
const KEY_RE = /^[A-Za-z][A-Za-z0-9_]{0,31}[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/
const MAX_KEY_LENGTH = 32 + SECRET_CHARS
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export interface ApiKey {
  id: string
  name: string
  keyPrefix: string
  scopes: Scope[]
  rateLimitPerMinute: number
  monthlyCharLimit: number
  createdAt: Date
  lastUsedAt: Date | null
  revokedAt: Date | null
}

export interface NewKeyOptions {
  name: string
  prefix?: string
  scopes?: Scope[]
  rateLimitPerMinute?: number
  monthlyCharLimit?: number
}

export interface CreatedKey {
  /** The plain key: shown once, never stored. */
  key: string
  row: ApiKey
}

export class KeyOptionError extends Error {
  override readonly name = 'KeyOptionError'
}

/** Shape check with no I/O, so a malformed key costs nothing beyond a regex. */
export function isWellFormedKey(s: unknown, prefix?: string): s is string {
  if (typeof s !== 'string' || s.length > MAX_KEY_LENGTH || !KEY_RE.test(s)) return false
  return prefix === undefined || (s.startsWith(prefix) && s.length === prefix.length + SECRET_CHARS)
}

/** SHA-256, hex. The one-shot crypto.hash: every authenticated request pays for this. */
export function hashKey(plain: string): string {
  return hash('sha256', plain, 'hex')
}

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s)
}

interface KeySpec {
  id: string
  key: string
  name: string
  keyPrefix: string
  keyHash: string
  scopes: Scope[]
  rateLimitPerMinute: number
  monthlyCharLimit: number
}

/** Validates options and makes a fresh key; throws KeyOptionError on a bad option. */
export function generateKey(opts: NewKeyOptions): KeySpec {
  const prefix = opts.prefix ?? DEFAULT_KEY_PREFIX
  if (!KEY_PREFIX_RE.test(prefix)) {
    throw new KeyOptionError('prefix must be a letter then up to 31 letters, digits or underscores')
  }
  const name = opts.name.trim()
  if (!name || name.length > 200) throw new KeyOptionError('name must be 1 to 200 characters')
  const scopes = [...new Set(opts.scopes ?? ['tts'])]
  if (scopes.length === 0 || !scopes.every(isScope)) {
    throw new KeyOptionError(`scopes must be among ${SCOPES.join(', ')}`)
  }
  const rate = opts.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE
  if (!Number.isSafeInteger(rate) || rate < 1 || rate > 2_147_483_647) {
    throw new KeyOptionError('rate limit must be a positive integer')
  }
  const chars = opts.monthlyCharLimit ?? DEFAULT_MONTHLY_CHAR_LIMIT
  if (!Number.isSafeInteger(chars) || chars < 0) {
    throw new KeyOptionError('monthly character limit must be a non-negative integer')
  }
  const key = prefix + randomBytes(32).toString('base64url')
  return {
    id: randomUUID(),
    key,
    name,
    keyPrefix: key.slice(0, prefix.length + DISPLAY_CHARS),
    keyHash: hashKey(key),
    scopes,
    rateLimitPerMinute: rate,
    monthlyCharLimit: chars,
  }
}

const COLUMNS = `id, name, key_prefix, scopes, rate_limit_per_minute, monthly_char_limit,
  created_at, last_used_at, revoked_at`

interface KeyRow {
  id: string
  name: string
  key_prefix: string
  scopes: string[]
  rate_limit_per_minute: number
  monthly_char_limit: number | string
  created_at: Date
  last_used_at: Date | null
  revoked_at: Date | null
}

function toKey(r: KeyRow): ApiKey {
  return {
    id: r.id,
    name: r.name,
    keyPrefix: r.key_prefix,
    scopes: r.scopes.filter(isScope),
    rateLimitPerMinute: Number(r.rate_limit_per_minute),
    monthlyCharLimit: Number(r.monthly_char_limit),
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }
}

export async function createKey(db: Queryable, opts: NewKeyOptions): Promise<CreatedKey> {
  const k = generateKey(opts)
  const [row] = await db.query<KeyRow>(
    `INSERT INTO api_keys (id, name, key_prefix, key_hash, scopes, rate_limit_per_minute, monthly_char_limit)
     VALUES ($1, $2, $3, $4, $5::text[], $6, $7) RETURNING ${COLUMNS}`,
    [k.id, k.name, k.keyPrefix, k.keyHash, k.scopes, k.rateLimitPerMinute, k.monthlyCharLimit],
  )
  return { key: k.key, row: toKey(row) }
}

/** The key's row (revoked ones included: check revokedAt), or null when unknown or malformed. */
export async function findKeyByPlain(db: Queryable, plain: string): Promise<ApiKey | null> {
  if (!isWellFormedKey(plain)) return null
  const [row] = await db.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`, [
    hashKey(plain),
  ])
  return row ? toKey(row) : null
}

/**
 * Keys with their hashes, revoked ones included: every key, or those among `hashes`. What the
 * key directory (key-directory.ts) holds in memory.
 */
export async function keysByHash(db: Queryable, hashes?: string[]): Promise<Array<[hash: string, key: ApiKey]>> {
  const rows = hashes
    ? await db.query<KeyRow & { key_hash: string }>(`SELECT ${COLUMNS}, key_hash FROM api_keys WHERE key_hash = ANY($1::text[])`, [hashes])
    : await db.query<KeyRow & { key_hash: string }>(`SELECT ${COLUMNS}, key_hash FROM api_keys`)
  return rows.map((r) => [r.key_hash, toKey(r)])
}

export async function listKeys(db: Queryable, opts: { includeRevoked?: boolean } = {}): Promise<ApiKey[]> {
  const where = opts.includeRevoked === false ? 'WHERE revoked_at IS NULL' : ''
  const rows = await db.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys ${where} ORDER BY created_at, id`)
  return rows.map(toKey)
}

/**
 * Revokes by uuid, by the display prefix shown in listings, or by the plain key itself.
 * Returns the keys revoked now (empty when none matched or all were already revoked);
 * refuses a display prefix that matches more than one live key.
 */
export async function revokeKey(db: Queryable, idOrPrefix: string): Promise<ApiKey[]> {
  const target = idOrPrefix.trim()
  let where: string
  let param: string
  if (UUID_RE.test(target)) [where, param] = ['id = $1::uuid', target.toLowerCase()]
  else if (isWellFormedKey(target)) [where, param] = ['key_hash = $1', hashKey(target)]
  else [where, param] = ['key_prefix = $1', target]
  const live = await db.query<{ id: string }>(
    `SELECT id FROM api_keys WHERE ${where} AND revoked_at IS NULL`,
    [param],
  )
  if (live.length > 1) {
    throw new KeyOptionError(`"${target}" matches ${live.length} keys; revoke by id instead`)
  }
  if (live.length === 0) return []
  const rows = await db.query<KeyRow>(
    `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
    [live[0].id],
  )
  return rows.map(toKey)
}

/** Marks keys as used at the given times; meant for batches, off the request path. */
export async function touchKeys(db: Queryable, lastUsed: Iterable<[id: string, at: Date]>): Promise<void> {
  const pairs = [...lastUsed]
  if (pairs.length === 0) return
  await db.query(
    `UPDATE api_keys k SET last_used_at = u.at
     FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at)
     WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`,
    [pairs.map(([id]) => id), pairs.map(([, at]) => at.toISOString())],
  )
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`
}

/**
 * A key as an INSERT statement for `keys --sql`, to be run by hand on a database this
 * machine cannot reach. The plain key is returned beside it, never inside the SQL.
 */
export function insertSql(opts: NewKeyOptions): { key: string; keyPrefix: string; name: string; sql: string } {
  const k = generateKey(opts)
  const scopes = `ARRAY[${k.scopes.map(literal).join(', ')}]::text[]`
  const sql =
    'INSERT INTO api_keys (id, name, key_prefix, key_hash, scopes, rate_limit_per_minute, monthly_char_limit) ' +
    `VALUES (${literal(k.id)}, ${literal(k.name)}, ${literal(k.keyPrefix)}, ${literal(k.keyHash)}, ` +
    `${scopes}, ${k.rateLimitPerMinute}, ${k.monthlyCharLimit});`
  return { key: k.key, keyPrefix: k.keyPrefix, name: k.name, sql }
}

/**
 * On a first start there is no key to call the API with: make one with every scope.
 * Returns it when made, null when the table already held a key (even a revoked one, so a
 * deliberately emptied set of live keys is not silently refilled). Safe when two instances
 * start at once: the check and the insert run under one advisory lock.
 */
export async function ensureBootstrapKey(
  db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  opts: Partial<NewKeyOptions> = {},
): Promise<CreatedKey | null> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7245120032)')
    const [any] = await tx.query('SELECT 1 FROM api_keys LIMIT 1')
    if (any) return null
    return createKey(tx, { name: 'Bootstrap key', scopes: [...SCOPES], ...opts })
  })
}
