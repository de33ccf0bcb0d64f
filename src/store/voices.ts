import { createHash } from 'node:crypto'
import type { Queryable } from './db.js'
import type { VoiceInfo } from '../speech/engine.js'

/** Namespace for voice ids; fixed forever, or every voice id changes. */
const VOICE_NAMESPACE = 'b6f1c3a2-5d0e-4f7a-9c1b-2e8d4a6f0c31'

export interface Voice {
  id: string
  slug: string
  displayName: string
  language: string
  gender: string
  engine: string
  sampleRate: number
  enabled: boolean
  updatedAt: Date
}

/** RFC 4122 version-5 uuid: every instance and every restart derive the same id from a slug. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex')
  const b = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16)
  b[6] = (b[6] & 0x0f) | 0x50
  b[8] = (b[8] & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

export function voiceId(slug: string): string {
  return uuidV5(slug, VOICE_NAMESPACE)
}

const COLUMNS = 'id, slug, display_name, language, gender, engine, sample_rate, enabled, updated_at'
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

interface VoiceRow {
  id: string
  slug: string
  display_name: string
  language: string
  gender: string
  engine: string
  sample_rate: number
  enabled: boolean
  updated_at: Date
}

function toVoice(r: VoiceRow): Voice {
  return {
    id: r.id,
    slug: r.slug,
    displayName: r.display_name,
    language: r.language,
    gender: r.gender,
    engine: r.engine,
    sampleRate: Number(r.sample_rate),
    enabled: r.enabled,
    updatedAt: r.updated_at,
  }
}

/**
 * Upserts what the engines report. `enabled` is left as it is on existing rows so that an
 * operator who disabled a voice keeps it disabled across restarts; voices no longer reported
 * are left in place (another instance may still have their model files).
 */
export async function syncVoices(db: Queryable, voices: VoiceInfo[]): Promise<void> {
  if (voices.length === 0) return
  const cols = {
    id: [] as string[], slug: [] as string[], name: [] as string[], language: [] as string[],
    gender: [] as string[], engine: [] as string[], rate: [] as number[],
  }
  // One row per slug: ON CONFLICT cannot touch the same row twice in one statement.
  const bySlug = new Map(voices.map((v) => [v.id, v]))
  for (const v of bySlug.values()) {
    cols.id.push(voiceId(v.id))
    cols.slug.push(v.id)
    cols.name.push(v.name)
    cols.language.push(v.language)
    cols.gender.push(v.gender)
    cols.engine.push(v.engine)
    cols.rate.push(v.sampleRate)
  }
  await db.query(
    `INSERT INTO voices (id, slug, display_name, language, gender, engine, sample_rate)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[])
     ON CONFLICT (slug) DO UPDATE SET
       display_name = EXCLUDED.display_name, language = EXCLUDED.language, gender = EXCLUDED.gender,
       engine = EXCLUDED.engine, sample_rate = EXCLUDED.sample_rate, updated_at = now()
     WHERE (voices.display_name, voices.language, voices.gender, voices.engine, voices.sample_rate)
       IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.language, EXCLUDED.gender, EXCLUDED.engine, EXCLUDED.sample_rate)`,
    [cols.id, cols.slug, cols.name, cols.language, cols.gender, cols.engine, cols.rate],
  )
}

export async function listVoices(db: Queryable, opts: { includeDisabled?: boolean } = {}): Promise<Voice[]> {
  const where = opts.includeDisabled ? '' : 'WHERE enabled'
  const rows = await db.query<VoiceRow>(`SELECT ${COLUMNS} FROM voices ${where} ORDER BY slug`)
  return rows.map(toVoice)
}

/** By uuid or slug; disabled voices are returned too (check `enabled`). */
export async function findVoice(db: Queryable, uuidOrSlug: string): Promise<Voice | null> {
  const byId = UUID_RE.test(uuidOrSlug)
  const [row] = await db.query<VoiceRow>(
    `SELECT ${COLUMNS} FROM voices WHERE ${byId ? 'id = $1::uuid' : 'slug = $1'}`,
    [byId ? uuidOrSlug.toLowerCase() : uuidOrSlug],
  )
  return row ? toVoice(row) : null
}
