// A call's transcript: each turn of the caller's as speech-to-text gave it, each of the agent's with
// what the caller heard of it (all of it, or up to where they cut in), in the order they began.
import type { Outcome } from '../telephony/speaker.js'
import type { Queryable } from './db.js'

export type TranscriptEntry =
  | { speaker: 'caller'; text: string; at: Date }
  | { speaker: 'agent'; text: string; heard: string; outcome: Outcome; at: Date }

export interface TranscriptLine {
  speaker: 'caller' | 'agent'
  text: string
  heard: string | null
  outcome: Outcome | null
  at: Date
}

export async function addTranscriptEntry(db: Queryable, callId: string, e: TranscriptEntry): Promise<void> {
  await db.query(
    'INSERT INTO call_transcripts (call_id, speaker, text, heard, outcome, at) VALUES ($1, $2, $3, $4, $5, $6)',
    [callId, e.speaker, e.text, e.speaker === 'agent' ? e.heard : null, e.speaker === 'agent' ? e.outcome : null, e.at.toISOString()],
  )
}

export async function transcript(db: Queryable, callId: string): Promise<TranscriptLine[]> {
  const rows = await db.query<{ speaker: 'caller' | 'agent'; text: string; heard: string | null; outcome: Outcome | null; at: Date | string }>(
    'SELECT speaker, text, heard, outcome, at FROM call_transcripts WHERE call_id = $1 ORDER BY at, id',
    [callId],
  )
  return rows.map((r) => ({ ...r, at: new Date(r.at) }))
}
