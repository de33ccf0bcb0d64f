// What a key has used this month, in total and by day, for GET /v1/usage.
import type { Queryable } from './db.js'
import { utcMonth } from './calendar.js'

export interface UsageTotals {
  requests: number
  characters: number
  audioSeconds: number
}

export interface UsageSummary extends UsageTotals {
  periodStart: Date
  periodEnd: Date
  byDay: Array<UsageTotals & { date: string }>
}

/** This calendar month (UTC) for one key, in total and by day. */
export async function usageSummary(db: Queryable, keyId: string, now: Date = new Date()): Promise<UsageSummary> {
  const { start, end } = utcMonth(now)
  const rows = await db.query<{ day: string; requests: number; characters: number; audio_ms: number }>(
    `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
            count(*)::int AS requests,
            coalesce(sum(characters), 0)::float8 AS characters,
            coalesce(sum(audio_ms), 0)::float8 AS audio_ms
     FROM usage
     WHERE key_id = $1::uuid AND created_at >= $2::timestamptz AND created_at < $3::timestamptz
     GROUP BY 1 ORDER BY 1`,
    [keyId, new Date(start).toISOString(), new Date(end).toISOString()],
  )
  const byDay = rows.map((r) => ({
    date: r.day,
    requests: Number(r.requests),
    characters: Number(r.characters),
    audioSeconds: Number(r.audio_ms) / 1000,
  }))
  const sum = (f: (d: UsageTotals) => number) => byDay.reduce((a, d) => a + f(d), 0)
  return {
    periodStart: new Date(start),
    periodEnd: new Date(end),
    requests: sum((d) => d.requests),
    characters: sum((d) => d.characters),
    audioSeconds: sum((d) => d.audioSeconds),
    byDay,
  }
}
