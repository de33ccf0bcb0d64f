// The caller's voice activity, from WebRTC's VAD (libfvad compiled to WebAssembly, npm
// @echogarden/fvad-wasm) on each 20 ms inbound frame, turned into turns: speech for `startMs`
// starts one, silence for `stopMs` ends it. A frame counts as speech only when the VAD says so
// and it is loud enough to be a voice on the line: the VAD holds "speech" for a while after sound
// stops (its hangover), which alone would stretch a short cough past the start threshold; the
// loudness is the idle watch's (caller-audio.ts).
import fvad, { type FvadModule } from '@echogarden/fvad-wasm'
import { VAD_DEFAULTS, type VadSettings } from './agent/settings.js'
import { rms, SOUND_RMS } from './caller-audio.js'

const FRAME = 160

/** One WebAssembly instance serves every call of the process; each call has a detector of its own in it. */
let shared: Promise<FvadModule> | null = null
const module = () => (shared ??= fvad())

export type VadEvent = { kind: 'start'; onsetMs: number } | { kind: 'stop' }

export class VoiceActivity {
  private speaking = false
  /** Loud frames in a row (silent ones while speaking), those of them voiced, and when the run began (stream ms). */
  private run = 0
  private voicedInRun = 0
  private runStart = 0
  private readonly startFrames: number
  private readonly stopFrames: number

  private constructor(
    private readonly m: FvadModule,
    private handle: number,
    private readonly buffer: number,
    settings: VadSettings,
  ) {
    const s = { ...VAD_DEFAULTS, ...settings }
    this.startFrames = Math.max(1, Math.round(s.start_ms / 20))
    this.stopFrames = Math.max(1, Math.round(s.stop_ms / 20))
  }

  static async create(settings: VadSettings = {}): Promise<VoiceActivity> {
    const m = await module()
    const handle = m._fvad_new()
    if (!handle) throw new Error('fvad_new failed')
    m._fvad_set_mode(handle, settings.aggressiveness ?? VAD_DEFAULTS.aggressiveness)
    m._fvad_set_sample_rate(handle, 8000)
    return new VoiceActivity(m, handle, m._malloc(FRAME * 2), settings)
  }

  /** One 20 ms frame of 8 kHz PCM that began `timestampMs` into the stream; a turn's start or end, if this frame makes one. */
  push(pcm: Int16Array, timestampMs: number): VadEvent | null {
    if (!this.handle || pcm.length !== FRAME) return null
    this.m.HEAP16.set(pcm, this.buffer >> 1)
    const loud = rms(pcm) >= SOUND_RMS
    const voiced = this.m._fvad_process(this.handle, this.buffer, FRAME) === 1 && loud
    if (this.speaking) {
      // Silence (or sound the VAD does not take for a voice) for the stop threshold ends the turn.
      this.run = voiced ? 0 : this.run + 1
      if (this.run < this.stopFrames) return null
      this.speaking = false
      this.run = 0
      return { kind: 'stop' }
    }
    // A turn starts on a run of loud frames, unbroken, that the VAD takes for a voice for the most
    // part: it is timed from the sound's onset, so the VAD's own slowness to say "speech" at the
    // start of a word does not delay a barge-in.
    if (!loud) {
      this.run = this.voicedInRun = 0
      return null
    }
    if (this.run++ === 0) this.runStart = timestampMs
    if (voiced) this.voicedInRun++
    if (this.run < this.startFrames || this.voicedInRun * 2 < this.run) return null
    this.speaking = true
    this.run = this.voicedInRun = 0
    return { kind: 'start', onsetMs: this.runStart }
  }

  close(): void {
    if (!this.handle) return
    this.m._fvad_free(this.handle)
    this.m._free(this.buffer)
    this.handle = 0
  }
}
