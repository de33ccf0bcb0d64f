// What each Twilio number says when it is called: greeting, voice, the barge-in key, and the agent
// app or built-in assistant that converses with its callers.
import type { AgentSettings } from '../telephony/agent/settings.js'
import type { AssistantSettings } from '../telephony/assistant/settings.js'
import { fromJsonb, toJsonb, type Queryable } from './db.js'

export interface PhoneNumber {
  e164: string
  /** Null only with an agent or an assistant (whose greeting is said instead). */
  greeting: string | null
  voice: string
  /** A digit, 'none' for no barge-in, or null for the service's default key. */
  bargeInDigit: string | null
  agent: AgentSettings | null
  assistant: AssistantSettings | null
  createdAt: Date
  updatedAt: Date
}

interface Row {
  e164: string
  greeting: string | null
  voice_slug: string
  barge_in_digit: string | null
  agent: AgentSettings | string | null
  assistant: AssistantSettings | string | null
  created_at: Date | string
  updated_at: Date | string
}

const toNumber = (r: Row): PhoneNumber => ({
  e164: r.e164,
  greeting: r.greeting,
  voice: r.voice_slug,
  bargeInDigit: r.barge_in_digit,
  agent: fromJsonb(r.agent),
  assistant: fromJsonb(r.assistant),
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
})

/** Creates or replaces; `created` tells which. */
export async function putNumber(
  db: Queryable,
  n: { e164: string; greeting: string | null; voice: string; bargeInDigit: string | null; agent?: AgentSettings | null; assistant?: AssistantSettings | null },
): Promise<{ number: PhoneNumber; created: boolean }> {
  const [row] = await db.query<Row & { inserted: boolean }>(
    `INSERT INTO phone_numbers (e164, greeting, voice_slug, barge_in_digit, agent, assistant) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)
     ON CONFLICT (e164) DO UPDATE SET greeting = EXCLUDED.greeting, voice_slug = EXCLUDED.voice_slug,
       barge_in_digit = EXCLUDED.barge_in_digit, agent = EXCLUDED.agent, assistant = EXCLUDED.assistant, updated_at = now()
     RETURNING *, (xmax = 0) AS inserted`,
    [n.e164, n.greeting, n.voice, n.bargeInDigit, toJsonb(n.agent), toJsonb(n.assistant)],
  )
  return { number: toNumber(row), created: row.inserted }
}

export async function getNumber(db: Queryable, e164: string): Promise<PhoneNumber | null> {
  const [row] = await db.query<Row>('SELECT * FROM phone_numbers WHERE e164 = $1', [e164])
  return row ? toNumber(row) : null
}

export async function listNumbers(db: Queryable): Promise<PhoneNumber[]> {
  return (await db.query<Row>('SELECT * FROM phone_numbers ORDER BY e164')).map(toNumber)
}

/** True when there was a row to delete. */
export async function deleteNumber(db: Queryable, e164: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM phone_numbers WHERE e164 = $1 RETURNING e164', [e164])
  return rows.length > 0
}
