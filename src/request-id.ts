// Request ids: the one id a request carries in the logs, in its error body, in X-Request-Id and as
// the key of its usage row.
import type { IncomingMessage } from 'node:http'
import { randomUUID } from 'node:crypto'

const CLIENT_ID = /^[A-Za-z0-9._:-]{8,64}$/

/** A well-formed id from a proxy in front (nginx `$request_id`) is kept for correlation; otherwise a new one. */
export function genReqId(req: IncomingMessage): string {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && CLIENT_ID.test(given) ? given : uuidV7()
}

/**
 * A version 7 uuid: the time in milliseconds, a 12-bit sequence within that millisecond, then 62
 * random bits (from randomUUID, which draws on a cached entropy pool). One process's ids sort in
 * the order they were made, so new rows append to the end of the primary-key index and
 * `ORDER BY request_id` is the order requests ended. A clock that steps back reuses the last time.
 */
export function uuidV7(now = Date.now()): string {
  if (now > v7.ms) {
    v7.ms = now
    v7.seq = 0
  } else if (++v7.seq > 0xfff) {
    v7.ms++ // 4,096 ids in one millisecond: borrow the next one
    v7.seq = 0
  }
  if (v7.ms !== v7.prefixMs) {
    const time = v7.ms.toString(16).padStart(12, '0')
    v7.prefixMs = v7.ms
    v7.prefix = `${time.slice(0, 8)}-${time.slice(8)}-7`
  }
  return v7.prefix + v7.seq.toString(16).padStart(3, '0') + randomUUID().slice(18)
}
const v7 = { ms: -1, seq: 0, prefixMs: -1, prefix: '' }
