// What the caller has been sent and has heard, told by marks: the send-ahead window, the
// generations a barge-in moves on, and the one format of our mark names.
//
// Pacing: every frame sent moves `framesSent` on; a mark echoed by Twilio means the audio before
// it has played, which moves `confirmedAt` up to the frame count the mark was sent at. No frame
// goes out while `framesSent - confirmedAt` would pass the send-ahead window (about a second),
// and marks go out every few frames, so echoes keep arriving while audio plays. That bounds what
// a barge-in has to throw away, what Twilio buffers, and what this process holds per call.
//
// Barge-in bumps the generation carried in every mark name. Twilio echoes every pending mark after
// a clear; those echoes name an old generation and are ignored, so cleared audio never counts as heard.

/** `m`: pacing, every few frames; `s`: the end of a segment; `e`: the end of an utterance. */
export type MarkKind = 'm' | 's' | 'e'

export interface MarkName {
  generation: number
  kind: MarkKind
  n: number
}

export const formatMark = ({ generation, kind, n }: MarkName): string => `g${generation}:${kind}${n}`

const MARK = /^g(\d{1,9}):([mse])(\d{1,9})$/

/** null for a name that is not one of ours. */
export function parseMark(name: string): MarkName | null {
  const m = MARK.exec(name)
  return m ? { generation: Number(m[1]), kind: m[2] as MarkKind, n: Number(m[3]) } : null
}

export const FRAME_MS = 20

/** Why audio sent was thrown away unheard. */
export type DropReason = 'interrupted' | 'ended'

/** Told when the audio before a mark has played, or was thrown away unheard. */
export interface MarkListener {
  played(): void
  dropped(reason: DropReason): void
}

interface PendingMark {
  name: string
  /** framesSent when the mark was sent. */
  at: number
  listener?: MarkListener
}

export type EchoResult = 'played' | 'stale' | 'unknown'

export class Playout {
  framesSent = 0
  framesPlayed = 0
  generation = 0
  private confirmedAt = 0
  /** When (performance.now(), ms) what was sent will have played, as Twilio plays in real time. */
  private playEnd = 0
  private lastMarkAt = 0
  private markSeq = 0
  private readonly marks: PendingMark[] = []
  private waiter: (() => void) | null = null

  constructor(
    private readonly aheadFrames: number,
    private readonly markEvery: number,
    /** Puts a mark on the wire (after the frames sent so far). */
    private readonly sendMark: (name: string) => void,
  ) {}

  get msPlayed(): number {
    return this.framesPlayed * FRAME_MS
  }

  /** Nothing sent is still waiting to be heard. */
  get settled(): boolean {
    return this.marks.length === 0
  }

  /** Waits until one more frame fits the window; false once `stale()` says the frame is no longer wanted. */
  async room(stale: () => boolean): Promise<boolean> {
    while (this.framesSent - this.confirmedAt >= this.aheadFrames) {
      await new Promise<void>((resolve) => (this.waiter = resolve))
      if (stale()) return false
    }
    return !stale()
  }

  /**
   * Frames the caller had heard at time `t` (performance.now()): what the echoed marks say, and
   * since the last echo what the clock says, since Twilio plays in real time. Exact at each echo.
   */
  playedAt(t: number): number {
    const unplayed = Math.min(this.framesSent - this.confirmedAt, Math.max(0, Math.ceil((this.playEnd - t) / FRAME_MS)))
    return this.framesSent - unplayed
  }

  /** A frame went out; a pacing mark follows every few. */
  sent(): void {
    this.playEnd = Math.max(performance.now(), this.playEnd) + FRAME_MS
    this.framesSent++
    if (this.framesSent - this.lastMarkAt >= this.markEvery) this.mark('m')
  }

  mark(kind: MarkKind, listener?: MarkListener, n = ++this.markSeq): void {
    const name = formatMark({ generation: this.generation, kind, n })
    this.marks.push({ name, at: this.framesSent, listener })
    this.lastMarkAt = this.framesSent
    this.sendMark(name)
  }

  /** Twilio echoed a mark: the audio before it has played (unless it predates a clear). */
  echo(name: string): EchoResult {
    const parsed = parseMark(name)
    // An echo from before a clear: that audio was thrown away, not heard.
    if (parsed && parsed.generation !== this.generation) return 'stale'
    const index = this.marks.findIndex((mk) => mk.name === name)
    if (index < 0) return 'unknown'
    const at = this.marks[index].at
    // Twilio plays in order, so every mark before this one has played too.
    for (const mk of this.marks.splice(0, index + 1)) mk.listener?.played()
    this.framesPlayed += at - this.confirmedAt
    this.confirmedAt = at
    this.playEnd = performance.now() + (this.framesSent - at) * FRAME_MS
    this.wake()
    return 'played'
  }

  /** Everything sent and not yet heard is thrown away (a clear, or the end of the call). */
  drop(reason: DropReason): void {
    this.generation++
    for (const mk of this.marks.splice(0)) mk.listener?.dropped(reason)
    this.confirmedAt = this.framesSent
    this.playEnd = performance.now()
    this.lastMarkAt = this.framesSent
    this.wake()
  }

  private wake(): void {
    const w = this.waiter
    this.waiter = null
    w?.()
  }
}
