// What the caller says: every inbound media frame of a live call comes here, and only here, so
// that whatever listens to the caller has one place to plug in. Today that is the idle watch: a
// call with nothing left to say, whose caller has been silent for the idle time, says goodbye and
// ends instead of holding the line (and a Twilio minute) open in silence forever.
import { decodeMulaw } from '../audio/g711.js'
import type { MediaMessage } from './media-stream.js'

/**
 * A frame louder than this (RMS, dBFS) counts as the caller making sound. Quiet line noise on a
 * telephone line sits around -60 to -50 dBFS; speech, even soft, well above -40.
 */
const SOUND_DBFS = -45
export const SOUND_RMS = 32768 * 10 ** (SOUND_DBFS / 20)
const CHECK_EVERY_MS = 1000

export interface CallerAudioOptions {
  /** 0: a call never ends for being idle. */
  idleMs: number
  /** The call is saying something (or has audio still to be heard): not idle. */
  busy(): boolean
  onIdle(): void
}

/** Root mean square of a frame's samples. */
export function rms(samples: Int16Array): number {
  let sum = 0
  for (const s of samples) sum += s * s
  return samples.length ? Math.sqrt(sum / samples.length) : 0
}

export class CallerAudio {
  private lastActivity = 0
  private lastCheck = 0
  private period = 0
  private timer: NodeJS.Timeout | null = null
  private readonly pcm = new Int16Array(160)

  constructor(private readonly o: CallerAudioOptions) {}

  start(): void {
    this.lastActivity = this.lastCheck = Date.now()
    if (this.o.idleMs <= 0) return
    this.period = Math.min(CHECK_EVERY_MS, this.o.idleMs)
    this.timer = setInterval(() => this.check(), this.period)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  hear(m: MediaMessage): void {
    if (!this.timer) return // nothing listens: the frame is not even decoded
    const bytes = Buffer.from(m.media.payload, 'base64')
    const pcm = bytes.length <= this.pcm.length ? this.pcm.subarray(0, bytes.length) : new Int16Array(bytes.length)
    if (rms(decodeMulaw(bytes, pcm)) >= SOUND_RMS) this.lastActivity = Date.now()
  }

  private check(): void {
    const now = Date.now()
    // A check that comes well late means the event loop was blocked: the caller's frames from that
    // time are still queued behind this timer, unread. Judge on the next round, once they are heard.
    const late = now - this.lastCheck > 1.5 * this.period
    this.lastCheck = now
    if (late) return
    if (this.o.busy()) this.lastActivity = now
    else if (now - this.lastActivity >= this.o.idleMs) {
      this.stop()
      this.o.onIdle()
    }
  }
}
