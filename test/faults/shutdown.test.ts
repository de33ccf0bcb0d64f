// SIGTERM to the real process (`node --import tsx src/main.ts`), with a phone call speaking and an
// HTTP response still streaming: new requests get our JSON 503 (or, once the listener is closed, a
// refused connection), the response in flight finishes with every byte of its audio, the call
// finishes the sentence it was in, starts no other, and is closed with 1001 once that sentence has
// played, every usage record is in the database, and the exit code is 0.
//
// The database is a new one on the DATABASE_URL server when that is set, otherwise a PGlite data
// directory that this test opens again after the process has exited.
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { childDatabase, type ChildDatabase } from '../helpers/fault-db.js'
import { errorOf } from '../helpers/app.js'
import { dropRedisPrefix } from '../helpers/fault-redis.js'
import { spawnService, type Service } from '../helpers/fault-service.js'
import { ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE, postWebhook, openStream, type CallApp } from '../helpers/twilio-app.js'
import { sid, type TwilioStream } from '../helpers/twilio-stream.js'

const DRAIN_S = 4
// At twice real time a sentence plays in under two seconds, inside the drain time; the whole
// greeting (twenty sentences) would take several times DRAIN_TIMEOUT, so the call is still live
// when the drain time ends.
const PLAY_SPEED = 2
const GREETING = Array.from({ length: 20 }, (_, i) => `Thank you for holding, you are caller number ${i + 1} in the queue today.`).join(' ')
// Long and at 48 kHz: megabytes more than socket buffers hold, so while the client does not read,
// the response is still being written when SIGTERM arrives.
const LONG_TEXT = Array.from({ length: 30 }, (_, i) => `This is sentence ${i + 1} of a message that is still playing.`).join(' ')
const LONG_BODY = JSON.stringify({ text: LONG_TEXT, voice_id: 'kal', speed: 0.5, sample_rate: 48000 })

let svc: Service | undefined
let db: ChildDatabase | undefined
let key: string
let redisPrefix: string | undefined

beforeAll(async () => {
  db = await childDatabase()
  key = db.key
  const env: Record<string, string> = {
    ...db.env,
    DRAIN_TIMEOUT: String(DRAIN_S),
    PUBLIC_BASE_URL: PUBLIC_BASE,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_API_BASE_URL: 'http://127.0.0.1:9', // nothing here places calls; nothing may leave loopback
    CALL_GREETING: GREETING,
    BARGE_IN_DIGIT: 'none',
  }
  if (process.env.REDIS_URL) {
    redisPrefix = `cwfault:${sid('')}:`
    Object.assign(env, { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: redisPrefix })
  }
  svc = await spawnService({ env })
})

afterAll(async () => {
  await svc?.kill()
  await db?.drop()
  if (redisPrefix) await dropRedisPrefix(process.env.REDIS_URL!, redisPrefix)
})

const tts = (body: string) =>
  fetch(`${svc!.url}/v1/tts`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body })

/** The body of a chunked HTTP/1.1 response starting at `at`, and where the response ends; null if cut short. */
function dechunk(buf: Buffer, at: number): { body: Buffer; end: number } | null {
  const parts: Buffer[] = []
  let i = buf.indexOf('\r\n\r\n', at)
  if (i < 0) return null
  i += 4
  for (;;) {
    const eol = buf.indexOf('\r\n', i)
    if (eol < 0) return null
    const size = parseInt(buf.subarray(i, eol).toString(), 16)
    i = eol + 2
    if (size === 0) return { body: Buffer.concat(parts), end: i + 2 }
    if (i + size > buf.length) return null
    parts.push(buf.subarray(i, i + size))
    i += size + 2
  }
}

/** A late request on a new connection: our 503 in the error shape, or refused once the listener is closed. */
async function lateRequest(): Promise<'503' | 'refused'> {
  try {
    const res = await tts(JSON.stringify({ text: 'Too late.', voice_id: 'kal' }))
    expect(res.status).toBe(503)
    expect((await errorOf(res)).code).toBe('unavailable')
    return '503'
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code
    if (code !== 'ECONNREFUSED') throw err
    return 'refused'
  }
}

/** What the caller got last: a segment's end mark, or audio (the call was cut mid-sentence). */
function tail(stream: TwilioStream): string {
  const last = stream.received.at(-1)
  if (!last) return 'nothing'
  if (last.event !== 'mark') return last.event
  return /:[se]\d+$/.test(last.name!) ? 'a segment end' : 'a pacing mark (mid-sentence)'
}

describe('SIGTERM', () => {
  it('refuses new work, finishes the response in flight, drains the call, flushes usage and exits 0', async () => {
    const s = svc!
    // Requests that succeed before the signal: a reference copy of the long audio, and two short ones.
    const reference = await tts(LONG_BODY)
    expect(reference.status).toBe(200)
    const referenceAudio = Buffer.from(await reference.arrayBuffer())
    for (const text of ['One moment please.', 'Still there?']) {
      const res = await tts(JSON.stringify({ text, voice_id: 'kal16' }))
      expect(res.status).toBe(200)
      await res.arrayBuffer()
    }
    let succeeded = 3

    // A caller on the line, mid-greeting.
    const target = { url: s.url } as CallApp
    const callSid = sid('CA')
    const hook = await postWebhook(target, '/twilio/voice', {
      CallSid: callSid, AccountSid: ACCOUNT_SID, From: '+15550001111', To: '+15005550006', CallStatus: 'ringing', Direction: 'inbound',
    })
    expect(hook.status).toBe(200)
    const twiml = await hook.text()
    const stream: TwilioStream = await openStream(target, twiml, { callSid, speed: PLAY_SPEED })
    await stream.until(() => stream.echoed.length >= 3, 'the caller to hear the greeting begin')

    // A response in flight: the client reads its first bytes, then stops reading.
    const socket: Socket = connect(s.port, '127.0.0.1')
    const raw: Buffer[] = []
    const ended = new Promise<void>((resolve, reject) => {
      socket.on('end', resolve)
      socket.on('error', reject)
    })
    const firstBytes = new Promise<void>((resolve) => socket.once('data', () => resolve()))
    socket.on('data', (d: Buffer) => raw.push(d))
    socket.write(`POST /v1/tts HTTP/1.1\r\nHost: x\r\nx-api-key: ${key}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(LONG_BODY)}\r\n\r\n${LONG_BODY}`)
    await firstBytes
    socket.pause()

    // The signal.
    const framesBefore = stream.count('media')
    const receivedBefore = stream.received.length
    s.proc.kill('SIGTERM')
    await s.waitForLog((l) => l.msg === 'shutting down', 'shutting down')

    // New work is refused while the call drains: on a new connection, and as a WebSocket upgrade.
    const late = [await lateRequest(), await lateRequest()]
    expect(late[0]).toBe('503') // the listener stays open while the call drains, answering 503
    const health = await fetch(`${s.url}/health`).catch(() => null)
    if (health) expect(health.status).toBe(503)
    const upgrade = await openStream(target, twiml, { callSid: sid('CA'), start: false }).then(
      () => 'accepted',
      (err: { status?: number; cause?: { code?: string }; code?: string }) => err.status ?? err.code ?? 'error',
    )
    expect([503, 'ECONNREFUSED']).toContain(upgrade)

    // A request pipelined behind the one in flight, then the client reads again.
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
    socket.resume()
    await ended
    const all = Buffer.concat(raw)
    expect(all.subarray(0, 15).toString()).toBe('HTTP/1.1 200 OK')
    const first = dechunk(all, 0)
    expect(first, 'the response in flight ended with its last chunk').not.toBeNull()
    expect(first!.body.length).toBe(referenceAudio.length)
    expect(first!.body.equals(referenceAudio)).toBe(true)
    succeeded++
    const second = all.subarray(first!.end).toString()
    if (second.length > 0) {
      expect(second).toMatch(/^HTTP\/1\.1 503 /)
      const body = JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4))
      expect(body.error.code).toBe('unavailable')
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'request_id'])
    }

    // The call: audio kept flowing after the signal until the sentence being spoken then was
    // finished (one end-of-segment mark, and nothing after it), then the socket closed with 1001.
    const { code } = await stream.closed
    expect(code).toBe(1001)
    expect(stream.count('media')).toBeGreaterThan(framesBefore)
    const marksAfter = stream.received.slice(receivedBefore).filter((r) => r.event === 'mark').map((r) => r.name!)
    expect(marksAfter.filter((n) => /:[se]\d+$/.test(n)), `one segment ended after SIGTERM; marks: ${marksAfter.join(' ')}`).toHaveLength(1)
    expect(stream.received.at(-1)?.event, 'the segment end is the last thing sent').toBe('mark')
    expect(/:[se]\d+$/.test(stream.received.at(-1)?.name ?? '')).toBe(true)
    expect(stream.violations).toEqual([])

    // The process exits 0, having written every usage record.
    const exit = await s.exited
    expect(exit, s.stderr().slice(-2000)).toEqual({ code: 0, signal: null })
    expect(s.logs.filter((l) => /usage records not written|drain timeout reached/.test(String(l.msg)))).toEqual([])
    const theirs = await db!.open()
    try {
      const rows = await theirs.query<{ status: number; n: number }>(
        'SELECT status, count(*)::int AS n FROM usage WHERE key_id = $1::uuid GROUP BY status ORDER BY status', [db!.keyId])
      console.log(`[faults] shutdown: late requests ${late.join(',')}, upgrade ${upgrade}; in-flight response ${first!.body.length} bytes (same as before SIGTERM); ` +
        `call frames ${framesBefore} before SIGTERM, ${stream.count('media') - framesBefore} after, segment ends after SIGTERM ${marksAfter.filter((n) => /:[se]\d+$/.test(n)).length}, ` +
        `last event before the close ${tail(stream)}, closed ${code}; exit ${exit.code}; usage rows ${JSON.stringify(rows)} for ${succeeded} successful requests`)
      expect(rows.map((r) => [Number(r.status), Number(r.n)])).toEqual([[200, succeeded]])
    } finally {
      await theirs.close()
    }
  })
})
