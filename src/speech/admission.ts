// Admission control: whether this instance can take one more call, /v1/speak socket or REST
// request, decided before any work starts. Past capacity the newcomer is refused (a busy signal, a
// 503 with Retry-After) rather than every live call running dry for it.
//
// The load is predicted, not observed: each live consumer needs the pool for its voice's share of
// every second it speaks (what the pool measured, costs.ts), so a call is refused before it could
// take the pool past `maxLoad`, not after the others already hear gaps. A cheap voice is bounded by
// the CPU each call costs outside the pool (its stream, encoding, the VAD) instead: `maxLive`.
// REST work runs in the time live speech leaves (schedule.ts), so a request is refused when the
// REST work already admitted would keep it waiting longer than `restMaxWaitS`.
import type { VoiceInfo } from './engine.js'
import type { SynthesisCosts } from './costs.js'
import { ApiError } from '../errors.js'

export interface AdmissionLimits {
  /** The share of the pool's time live speech may be predicted to need (0.85: 85 %). */
  maxLoad: number
  /** Live calls and sockets at most on this instance; 0: no such cap. */
  maxLive: number
  /** A REST request is refused when the REST work before it would take longer than this, s. */
  restMaxWaitS: number
}

export type Front = 'call' | 'outbound' | 'speak' | 'rest'

/** A call answered here holds its place this long for its stream to start. */
const PENDING_MS = 30_000
/** What a refused live consumer is told to wait: about as long as the time a caller takes to redial. */
const LIVE_RETRY_AFTER_S = 5
/** REST work counts at least this spare share of the pool, so a full one still gives a finite wait. */
const MIN_SPARE = 0.05

/** A 503 with Retry-After where an HTTP answer is due; a busy signal on Twilio's webhook. */
export class Refused extends ApiError {
  constructor(retryAfterS: number) {
    super('busy', 'This server is at capacity: try again shortly', { 'retry-after': retryAfterS })
  }
}

export class Admission {
  private readonly live = new Set<{ voice: VoiceInfo }>()
  /** Calls answered whose stream has not started yet, by call id. */
  private readonly pending = new Map<string, { voice: VoiceInfo; until: number }>()
  private restWorkMs = 0
  /** Refusals since start, by front (the metrics mirror them). */
  readonly refusals: Record<Front, number> = { call: 0, outbound: 0, speak: 0, rest: 0 }

  constructor(
    private readonly pool: { size: number; costs: SynthesisCosts },
    /** Read at each decision (the calls benchmark sets the cap it measured). */
    readonly limits: AdmissionLimits,
  ) {}

  /** Live consumers, started or answered and on their way. */
  get liveCount(): number {
    this.expire()
    return this.live.size + this.pending.size
  }

  /** The share of the pool's time live speech is predicted to need now. */
  load(): number {
    this.expire()
    let workers = 0
    for (const { voice } of this.live) workers += this.pool.costs.share(voice)
    for (const { voice } of this.pending.values()) workers += this.pool.costs.share(voice)
    return workers / this.pool.size
  }

  /** Whether one more live consumer of `voice` fits; throws Refused when it does not. */
  check(front: Exclude<Front, 'rest'>, voice: VoiceInfo): void {
    const full = this.limits.maxLive > 0 && this.liveCount >= this.limits.maxLive
    // (The epsilon: a sum of shares that is exactly the limit must not be refused for a rounding.)
    if (full || this.load() + this.pool.costs.share(voice) / this.pool.size > this.limits.maxLoad + 1e-9) this.refuse(front, LIVE_RETRY_AFTER_S)
  }

  /** A call answered here (after `check`): its place is held until its stream starts. */
  hold(callId: string, voice: VoiceInfo): void {
    this.pending.set(callId, { voice, until: Date.now() + PENDING_MS })
  }

  /** A call held for that will not stream here after all (Twilio refused it, or it ended unanswered). */
  drop(callId: string): void {
    this.pending.delete(callId)
  }

  /**
   * A live consumer starts: it takes the place reserved for `callId`, or a new one (a stream whose
   * call another instance answered is never refused here). Returns what frees it.
   */
  start(voice: VoiceInfo, callId?: string): () => void {
    if (callId) this.pending.delete(callId)
    const entry = { voice }
    this.live.add(entry)
    return () => void this.live.delete(entry)
  }

  /** A REST request for `chars` characters in `voice`: what frees its share, or Refused. */
  rest(voice: VoiceInfo, chars: number): () => void {
    const spare = Math.max(MIN_SPARE, 1 - this.load())
    const waitS = this.restWorkMs / (this.pool.size * spare) / 1000
    if (waitS > this.limits.restMaxWaitS) this.refuse('rest', Math.ceil(waitS - this.limits.restMaxWaitS))
    const work = this.pool.costs.engineMs(voice, chars)
    this.restWorkMs += work
    let freed = false
    return () => {
      if (freed) return
      freed = true
      this.restWorkMs -= work
    }
  }

  private refuse(front: Front, retryAfterS: number): never {
    this.refusals[front]++
    throw new Refused(retryAfterS)
  }

  private expire(): void {
    const now = Date.now()
    for (const [id, p] of this.pending) if (p.until <= now) this.pending.delete(id)
  }
}
