// Calls in the database. Every write is idempotent: Twilio retries webhooks and status callbacks
// may repeat or arrive out of order, so a status only ever moves forward (see status_rank).
import type { AgentSettings } from '../telephony/agent/settings.js'
import type { AssistantSettings } from '../telephony/assistant/settings.js'
import { fromJsonb, toJsonb, type Queryable } from './db.js'

export const CALL_STATUSES = ['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled'] as const
export type CallStatus = (typeof CALL_STATUSES)[number]

const FINAL = 4
const RANK: Record<CallStatus, number> = {
  queued: 0, initiated: 1, ringing: 2, 'in-progress': 3,
  completed: FINAL, busy: FINAL, failed: FINAL, 'no-answer': FINAL, canceled: FINAL,
}

export const isCallStatus = (s: unknown): s is CallStatus => CALL_STATUSES.includes(s as CallStatus)
export const isFinal = (s: CallStatus) => RANK[s] === FINAL

/** Twilio ends any call after 4 hours: an older row with no final status lost its callbacks. */
const MAX_CALL_AGE = "interval '4 hours'"

export interface Call {
  id: string
  callSid: string | null
  direction: string
  from: string | null
  to: string | null
  status: CallStatus
  keyId: string | null
  text: string | null
  voice: string
  bargeInDigit: string | null
  /** The app that converses with the caller; null for a call that only says its text. */
  agent: AgentSettings | null
  /** The built-in assistant answering it, in place of an agent app. */
  assistant: AssistantSettings | null
  streamSid: string | null
  framesSent: number
  msPlayed: number
  /** Tokens the assistant's model read and wrote on the call. */
  modelInputTokens: number
  modelOutputTokens: number
  createdAt: Date
  updatedAt: Date
  endedAt: Date | null
}

interface Row {
  id: string
  call_sid: string | null
  direction: string
  from_number: string | null
  to_number: string | null
  status: CallStatus
  key_id: string | null
  text: string | null
  voice_slug: string
  barge_in_digit: string | null
  agent: AgentSettings | string | null
  assistant: AssistantSettings | string | null
  stream_sid: string | null
  frames_sent: number | string
  ms_played: number | string
  model_input_tokens: number | string
  model_output_tokens: number | string
  created_at: Date | string
  updated_at: Date | string
  ended_at: Date | string | null
}

const date = (d: Date | string) => (d instanceof Date ? d : new Date(d))

function toCall(r: Row): Call {
  return {
    id: r.id,
    callSid: r.call_sid,
    direction: r.direction,
    from: r.from_number,
    to: r.to_number,
    status: r.status,
    keyId: r.key_id,
    text: r.text,
    voice: r.voice_slug,
    bargeInDigit: r.barge_in_digit,
    agent: fromJsonb(r.agent),
    assistant: fromJsonb(r.assistant),
    streamSid: r.stream_sid,
    framesSent: Number(r.frames_sent),
    msPlayed: Number(r.ms_played),
    modelInputTokens: Number(r.model_input_tokens),
    modelOutputTokens: Number(r.model_output_tokens),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    endedAt: r.ended_at === null ? null : date(r.ended_at),
  }
}

/** A call is live until it has a final status (or is too old to be anything but over). */
export function isLive(call: Call, now = Date.now()): boolean {
  return call.endedAt === null && !isFinal(call.status) && now - call.createdAt.getTime() < 4 * 3600_000
}

export interface InboundCall {
  callSid: string
  direction: string
  from: string | null
  to: string | null
  status: CallStatus
  text: string | null
  voice: string
  bargeInDigit: string | null
  agent?: AgentSettings | null
  assistant?: AssistantSettings | null
}

/**
 * Records the call a voice webhook announces. A retried webhook finds its row and only moves the
 * status forward; what the call says was fixed by the first one.
 */
export async function recordInbound(db: Queryable, c: InboundCall): Promise<Call> {
  const rank = RANK[c.status]
  const [row] = await db.query<Row>(
    `INSERT INTO calls (call_sid, direction, from_number, to_number, status, status_rank, text, voice_slug, barge_in_digit, agent, assistant, ended_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, CASE WHEN $6::smallint = ${FINAL} THEN now() END)
     ON CONFLICT (call_sid) DO UPDATE SET
       status = CASE WHEN calls.status_rank < EXCLUDED.status_rank THEN EXCLUDED.status ELSE calls.status END,
       status_rank = GREATEST(calls.status_rank, EXCLUDED.status_rank),
       ended_at = COALESCE(calls.ended_at, EXCLUDED.ended_at),
       updated_at = now()
     RETURNING *`,
    [c.callSid, c.direction, c.from, c.to, c.status, rank, c.text, c.voice, c.bargeInDigit, toJsonb(c.agent), toJsonb(c.assistant)],
  )
  return toCall(row)
}

export interface OutboundCall {
  keyId: string
  from: string
  to: string
  text: string | null
  voice: string
  bargeInDigit: string | null
  agent?: AgentSettings | null
}

export class CallCapError extends Error {
  constructor(readonly live: number) {
    super(`${live} calls are already live for this key`)
  }
}

/**
 * The row of an outbound call about to be placed, counted against the key's cap in the same
 * transaction (under a per-key lock, so two requests at once cannot both take the last place).
 */
export async function createOutbound(db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> }, c: OutboundCall, maxLive: number): Promise<Call> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('calls:' || $1::text))`, [c.keyId])
    const [{ n }] = await tx.query<{ n: number | string }>(
      `SELECT count(*)::int AS n FROM calls WHERE key_id = $1 AND ended_at IS NULL AND created_at > now() - ${MAX_CALL_AGE}`,
      [c.keyId],
    )
    if (Number(n) >= maxLive) throw new CallCapError(Number(n))
    const [row] = await tx.query<Row>(
      `INSERT INTO calls (direction, from_number, to_number, status, status_rank, key_id, text, voice_slug, barge_in_digit, agent)
       VALUES ('outbound-api', $1, $2, 'queued', 0, $3, $4, $5, $6, $7::jsonb) RETURNING *`,
      [c.from, c.to, c.keyId, c.text, c.voice, c.bargeInDigit, toJsonb(c.agent)],
    )
    return toCall(row)
  })
}

/** Twilio accepted the call: its sid, and the status it answered with (never moving backwards). */
export async function attachCallSid(db: Queryable, id: string, callSid: string, status: CallStatus): Promise<void> {
  await db.query(
    `UPDATE calls SET call_sid = $2, updated_at = now(),
       status = CASE WHEN status_rank < $4 THEN $3 ELSE status END,
       status_rank = GREATEST(status_rank, $4),
       ended_at = CASE WHEN $4::smallint = ${FINAL} THEN COALESCE(ended_at, now()) ELSE ended_at END
     WHERE id = $1`,
    [id, callSid, status, RANK[status]],
  )
}

/** Twilio never accepted the call: it ends here, and frees its place under the key's cap. */
export async function failCall(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE calls SET status = 'failed', status_rank = ${FINAL}, ended_at = COALESCE(ended_at, now()), updated_at = now()
     WHERE id = $1 AND status_rank < ${FINAL}`,
    [id],
  )
}

export interface StatusUpdate {
  status: CallStatus
  /** Our id, from the status callback URL of a call we placed. */
  id?: string
  callSid: string
}

/**
 * Applies a status callback. Returns the row after the update, or null for a call we never
 * recorded. Duplicates and late callbacks leave the row as it was.
 */
export async function applyStatus(db: Queryable, u: StatusUpdate): Promise<Call | null> {
  const params: unknown[] = [u.callSid, u.status, RANK[u.status]]
  let where = 'call_sid = $1'
  if (u.id) {
    params.push(u.id)
    where = 'id = $4::uuid AND (call_sid IS NULL OR call_sid = $1)'
  }
  const [row] = await db.query<Row>(
    `UPDATE calls SET
       call_sid = COALESCE(call_sid, $1),
       status = CASE WHEN status_rank < $3 THEN $2 ELSE status END,
       ended_at = CASE WHEN $3::smallint = ${FINAL} THEN COALESCE(ended_at, now()) ELSE ended_at END,
       status_rank = GREATEST(status_rank, $3),
       updated_at = now()
     WHERE ${where}
     RETURNING *`,
    params,
  )
  return row ? toCall(row) : null
}

/**
 * The stream for a call began: the call is connected, and we know its stream. Null when the call
 * is not live, or already has another stream (one <Connect><Stream> per call: a replayed start).
 */
export async function streamStarted(db: Queryable, id: string, callSid: string, streamSid: string): Promise<Call | null> {
  const [row] = await db.query<Row>(
    `UPDATE calls SET call_sid = COALESCE(call_sid, $2), stream_sid = $3, updated_at = now(),
       status = CASE WHEN status_rank < 3 THEN 'in-progress' ELSE status END,
       status_rank = GREATEST(status_rank, 3)
     WHERE id = $1 AND (call_sid IS NULL OR call_sid = $2) AND (stream_sid IS NULL OR stream_sid = $3) AND ended_at IS NULL
       AND status_rank < ${FINAL} AND created_at > now() - ${MAX_CALL_AGE}
     RETURNING *`,
    [id, callSid, streamSid],
  )
  return row ? toCall(row) : null
}

/**
 * The stream closed. With <Connect><Stream> as the last verb Twilio hangs up then, so the call
 * is over; a later "completed" callback finds it so and changes nothing.
 */
export async function streamEnded(db: Queryable, id: string, framesSent: number, msPlayed: number): Promise<void> {
  await db.query(
    `UPDATE calls SET frames_sent = $2, ms_played = $3, updated_at = now(),
       status = CASE WHEN status_rank < ${FINAL} THEN 'completed' ELSE status END,
       status_rank = ${FINAL}, ended_at = COALESCE(ended_at, now())
     WHERE id = $1`,
    [id, framesSent, msPlayed],
  )
}

export async function findCall(db: Queryable, callSid: string): Promise<Call | null> {
  const [row] = await db.query<Row>('SELECT * FROM calls WHERE call_sid = $1', [callSid])
  return row ? toCall(row) : null
}

/** Newest first; with a key, only the calls that key placed plus the calls that came in. */
export async function listCalls(db: Queryable, opts: { keyId?: string; limit: number; liveOnly?: boolean }): Promise<Call[]> {
  const where: string[] = []
  const params: unknown[] = [opts.limit]
  if (opts.keyId) {
    params.push(opts.keyId)
    where.push(`(key_id = $${params.length} OR key_id IS NULL)`)
  }
  if (opts.liveOnly) where.push(`ended_at IS NULL AND created_at > now() - ${MAX_CALL_AGE}`)
  const rows = await db.query<Row>(
    `SELECT * FROM calls ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id LIMIT $1`,
    params,
  )
  return rows.map(toCall)
}

/** Tokens the assistant's model used on a reply, added to the call's. */
export async function addModelUsage(db: Queryable, id: string, input: number, output: number): Promise<void> {
  await db.query(
    'UPDATE calls SET model_input_tokens = model_input_tokens + $2, model_output_tokens = model_output_tokens + $3, updated_at = now() WHERE id = $1',
    [id, input, output],
  )
}
