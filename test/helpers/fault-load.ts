// Open-loop load at a fixed rate: request i is sent at start + i/rate whether or not earlier ones
// have answered (a closed loop would slow down with the server and hide a stall). Every answer is
// counted by status; a request that fails without an answer is counted as an error with its reason.
export interface LoadResult {
  sent: number
  /** Answers by HTTP status. */
  statuses: Record<number, number>
  /** Requests that got no HTTP answer, by reason. */
  errors: Record<string, number>
  /** The most requests in flight at once. */
  maxInFlight: number
  /** Answers with 2xx status whose body the check accepted. */
  ok: number
}

export interface LoadOptions {
  /** Requests per second. */
  rate: number
  seconds: number
  /**
   * Sends request `i` and resolves with its status once the whole body is read (and checked: throw
   * to count the request as an error).
   */
  send(i: number): Promise<number>
  /** Refuse to have more than this many in flight (a stalled server then shows as errors). */
  maxInFlight?: number
  /** Called each time a request settles, with what is known so far (to act mid-load). */
  onSettled?(r: LoadResult): void
  /** Stop early when this resolves. */
  stop?: Promise<unknown>
}

export async function paced(o: LoadOptions): Promise<LoadResult> {
  const r: LoadResult = { sent: 0, statuses: {}, errors: {}, maxInFlight: 0, ok: 0 }
  const total = Math.max(1, Math.round(o.rate * o.seconds))
  const limit = o.maxInFlight ?? 256
  const started = performance.now()
  let stopped = false
  void o.stop?.then(() => (stopped = true))
  let inFlight = 0
  const pending = new Set<Promise<void>>()
  for (let i = 0; i < total && !stopped; i++) {
    const due = started + (i * 1000) / o.rate
    const wait = due - performance.now()
    if (wait > 0) await new Promise((res) => setTimeout(res, wait))
    if (inFlight >= limit) {
      r.errors['too many in flight'] = (r.errors['too many in flight'] ?? 0) + 1
      continue
    }
    r.sent++
    inFlight++
    r.maxInFlight = Math.max(r.maxInFlight, inFlight)
    const p = o
      .send(i)
      .then(
        (status) => {
          r.statuses[status] = (r.statuses[status] ?? 0) + 1
          if (status >= 200 && status < 300) r.ok++
        },
        (err: Error) => {
          const why = (err as { cause?: { code?: string } }).cause?.code ?? err.message.slice(0, 80)
          r.errors[why] = (r.errors[why] ?? 0) + 1
        },
      )
      .finally(() => {
        inFlight--
        pending.delete(p)
        o.onSettled?.(r)
      })
    pending.add(p)
  }
  await Promise.all(pending)
  return r
}

/** Answers with a 5xx status, summed. */
export const fiveHundreds = (r: LoadResult) => Object.entries(r.statuses).filter(([s]) => Number(s) >= 500).reduce((a, [, n]) => a + n, 0)

/**
 * POST /v1/tts with text that differs per request (so each is synthesized, not served from the
 * segment cache); reads the whole body, and for a 200 checks that it is a WAV with audio in it.
 */
export function ttsSender(base: string, key: string | ((i: number) => string)) {
  return async (i: number): Promise<number> => {
    const res = await fetch(`${base}/v1/tts`, {
      method: 'POST',
      headers: { 'x-api-key': typeof key === 'string' ? key : key(i), 'content-type': 'application/json' },
      body: JSON.stringify({ text: `Order ${1000 + i} is ready for pickup.`, voice_id: 'kal' }),
    })
    const body = Buffer.from(await res.arrayBuffer())
    if (res.status === 200 && (body.subarray(0, 4).toString() !== 'RIFF' || body.length < 1000)) throw new Error(`a 200 without audio (${body.length} bytes)`)
    return res.status
  }
}

/** One line of figures for the report, e.g. "load: sent 120, 200×120, errors none". */
export function describeLoad(name: string, r: LoadResult): string {
  const statuses = Object.entries(r.statuses).map(([s, n]) => `${s}×${n}`).join(' ') || 'none'
  const errors = Object.entries(r.errors).map(([e, n]) => `${e}×${n}`).join(' ') || 'none'
  return `[faults] ${name}: sent ${r.sent}, answers ${statuses}, no answer ${errors}, most in flight ${r.maxInFlight}`
}
