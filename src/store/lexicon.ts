// The pronunciation lexicon's rows (schema/005_lexicon.sql).
import type { Queryable } from './db.js'
import type { LexiconEntry } from '../speech/lexicon.js'

/** Told to every instance after the rows change: each reads them again. */
export const LEXICON_CHANGED_CHANNEL = 'lexicon:changed'

interface Row {
  language: string
  grapheme: string
  alias: string | null
  phoneme: string | null
}

const toEntry = (r: Row): LexiconEntry => (r.alias !== null ? { language: r.language, grapheme: r.grapheme, alias: r.alias } : { language: r.language, grapheme: r.grapheme, phoneme: r.phoneme! })

/** Every entry, or those of one language tag; by language, then word. */
export async function listEntries(db: Queryable, language?: string): Promise<LexiconEntry[]> {
  const rows = language === undefined
    ? await db.query<Row>('SELECT language, grapheme, alias, phoneme FROM lexicon ORDER BY language, grapheme')
    : await db.query<Row>('SELECT language, grapheme, alias, phoneme FROM lexicon WHERE language = $1 ORDER BY grapheme', [language])
  return rows.map(toEntry)
}

/** Creates or replaces the entry for its language and word; true when it was new. */
export async function putEntry(db: Queryable, e: LexiconEntry): Promise<boolean> {
  const [row] = await db.query<{ inserted: boolean }>(
    `INSERT INTO lexicon (language, grapheme, alias, phoneme) VALUES ($1, $2, $3, $4)
     ON CONFLICT (language, grapheme) DO UPDATE SET alias = EXCLUDED.alias, phoneme = EXCLUDED.phoneme, updated_at = now()
     RETURNING (xmax = 0) AS inserted`,
    [e.language, e.grapheme, 'alias' in e ? e.alias : null, 'phoneme' in e ? e.phoneme : null],
  )
  return row.inserted
}

/** True when there was an entry to delete. */
export async function deleteEntry(db: Queryable, language: string, grapheme: string): Promise<boolean> {
  return (await db.query('DELETE FROM lexicon WHERE language = $1 AND grapheme = $2 RETURNING grapheme', [language, grapheme])).length > 0
}
