// What a request costs and what it was: one Bill per request, whatever carries its audio (an HTTP
// reply, a WebSocket, a phone call). A bill takes characters from the key's monthly quota when it
// is charged, gathers the audio and time to first audio as they happen, and is written once as a
// usage row. A bill that ends in failure before any audio was made gives its characters back:
// nothing was heard, so nothing is owed.
import { ApiError } from '../errors.js'
import type { ApiKey } from '../store/keys.js'
import type { UsageRecorder } from '../store/usage-writer.js'
import type { LeasedLimiter } from '../store/leases.js'
import type { HitResult } from '../store/limits.js'

/** The monthly character quota's bucket for a key. */
export const charactersBucket = (keyId: string) => `chars:${keyId}`

/** Characters as a person counts them (code points), for quotas and usage. */
export function countCharacters(text: string): number {
  let n = text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) n--
    }
  }
  return n
}

export interface BillContext {
  /** The id the logs and error bodies show; the usage row's key. */
  requestId: string
  key: ApiKey
  endpoint: string
}

/** The quota said no: how the transport refuses is its own business (HTTP: a 429). */
export type QuotaRefusal = (hit: HitResult) => ApiError

export class Metering {
  constructor(
    private readonly limits: LeasedLimiter,
    private readonly recorder: UsageRecorder,
    private readonly refuse: QuotaRefusal,
  ) {}

  open(ctx: BillContext): Bill {
    return new Bill(ctx, this.limits, this.recorder, this.refuse)
  }
}

export class Bill {
  voice: string | null = null
  format: string | null = null
  characters = 0
  audioMs = 0
  ttfaMs: number | null = null
  /** Synthesis failed after audio had begun to leave: the transport's own status no longer tells the truth. */
  failed = false
  private recorded = false

  constructor(
    private readonly ctx: BillContext,
    private readonly limits: LeasedLimiter,
    private readonly recorder: UsageRecorder,
    private readonly refuse: QuotaRefusal,
  ) {}

  /** Takes `text`'s characters from the key's monthly quota, or throws the refusal. */
  async charge(text: string): Promise<void> {
    const characters = countCharacters(text)
    const { key } = this.ctx
    const hit = await this.limits.take(charactersBucket(key.id), characters, key.monthlyCharLimit, 'month')
    if (!hit.allowed) throw this.refuse(hit)
    this.characters += characters
  }

  /** Returns every character charged so far (the request failed before anyone heard anything). */
  refund(): void {
    if (this.characters === 0) return
    this.limits.giveBack(charactersBucket(this.ctx.key.id), this.characters)
    this.characters = 0
  }

  addAudio(ms: number): void {
    this.audioMs += ms
  }

  firstAudio(ms: number): void {
    this.ttfaMs ??= ms
  }

  /** Writes the usage row, once; a failure with no audio refunds first. */
  record(status: number, totalMs: number): void {
    if (this.recorded) return
    this.recorded = true
    if (status >= 400 && this.audioMs === 0) this.refund()
    this.recorder.record({
      requestId: this.ctx.requestId,
      keyId: this.ctx.key.id,
      voiceSlug: this.voice,
      characters: this.characters,
      audioMs: this.audioMs,
      format: this.format,
      status,
      ttfaMs: this.ttfaMs,
      totalMs,
      endpoint: this.ctx.endpoint,
    })
  }
}
