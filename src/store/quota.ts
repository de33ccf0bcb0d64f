// What a monthly character quota has used, as the usage rows in the database record it: the
// figure a lost count (Redis restarted empty, down, or never configured) is rebuilt from.
import type { Queryable } from './db.js'

/** Characters charged to a key between `start` and `end` (ms since the epoch). */
export async function charactersUsed(db: Queryable, keyId: string, start: number, end: number): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT coalesce(sum(characters), 0)::float8 AS n FROM usage
     WHERE key_id = $1::uuid AND created_at >= $2::timestamptz AND created_at < $3::timestamptz`,
    [keyId, new Date(start).toISOString(), new Date(end).toISOString()],
  )
  return Number(row?.n ?? 0)
}
