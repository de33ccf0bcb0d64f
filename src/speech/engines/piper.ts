// Piper (VITS) voices in ONNX, run by onnxruntime-node. Every NAME.onnx + NAME.onnx.json pair in
// the models directory is a voice, or one voice per speaker. A pair that cannot be used is
// skipped and reported in `status()`, never thrown: a bad file must not stop the service.
//
// Text → eSpeak NG IPA → Piper's id layout → one session.run per sentence → PCM16, so a long
// segment streams out sentence by sentence. Sessions are opened once per model (every speaker of
// a model shares one) and kept until a reload finds the file changed or gone. Sentences are not
// batched across requests: Piper's export returns a batch's audio padded to its longest member and
// no lengths to cut the others back out (and on the CPU a batch costs as much as its runs: bench/).
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import type { Engine, SynthesisOptions, VoiceInfo } from '../engine.js'
import { parsePiperConfig, PiperConfigError, type PiperConfig } from '../piper/config.js'
import { espeakPhonemes, phonemeIds, textPhonemes } from '../piper/phonemes.js'
import { findModels, type ModelFiles, type Skipped } from '../piper/discover.js'
import { openModel, run, type Device, type PiperModel } from '../piper/session.js'

export type { Device } from '../piper/session.js'
export type { Skipped } from '../piper/discover.js'

export interface PiperOptions {
  modelsDir: string
  /** The requested device; a voice reports the one it actually runs on. */
  device: Device
  threads: number
}

/** What eSpeak NG gives Piper: its voices (to resolve `espeak.voice`) and IPA. */
export interface Phonemizer {
  voices(): VoiceInfo[]
  phonemize(text: string, voice: string): string
}

export interface PiperVoiceStatus {
  id: string
  /** The .onnx file, inside the models directory. */
  model: string
  speaker?: string
  language: string
  sampleRate: number
  device: Device
}

/** For /health and /metrics: what was loaded, where it runs, and what was skipped and why. */
export interface PiperStatus {
  modelsDir: string
  requestedDevice: Device
  /** True when the models directory does not exist (no Piper voices; not an error). */
  dirMissing: boolean
  /** Set when TTS_DEVICE=cuda could not be honoured. */
  warning?: string
  voices: PiperVoiceStatus[]
  skipped: Skipped[]
}

interface Loaded {
  files: ModelFiles
  configText: string
  config: PiperConfig
  model: PiperModel
  espeakVoice: string
}

interface Voice {
  info: VoiceInfo
  loaded: Loaded
  speaker: string
  sid: number | null
}

export class PiperEngine implements Engine {
  readonly name = 'piper'

  private constructor(
    private readonly options: PiperOptions,
    private readonly phonemizer: () => Promise<Phonemizer>,
    private readonly loaded: Map<string, Loaded>,
    private readonly byId: Map<string, Voice>,
    private readonly report: Pick<PiperStatus, 'dirMissing' | 'warning' | 'skipped'>,
  ) {}

  /**
   * Scans the models directory and opens every usable voice. With `previous` (a reload), a model
   * whose files did not change keeps its session and the others' sessions are released.
   */
  static async load(options: PiperOptions, phonemizer: () => Promise<Phonemizer>, previous?: PiperEngine): Promise<PiperEngine> {
    const { models, skipped, dirMissing } = findModels(options.modelsDir)
    const loaded = new Map<string, Loaded>()
    const byId = new Map<string, Voice>()
    const cuda: { failed?: string } = {}
    for (const files of models) {
      const file = basename(files.onnx)
      try {
        const configText = readFileSync(files.json, 'utf8')
        const config = parsePiperConfig(configText)
        const voices = voiceIds(files.name, config)
        const taken = voices.find(({ id }) => byId.has(id))
        if (taken) throw new PiperConfigError(`voice id ${taken.id} is already taken by ${byId.get(taken.id)!.loaded.files.name}.onnx`)
        const espeakVoice = config.phonemeType === 'espeak' ? resolveEspeakVoice(await phonemizer(), config.espeakVoice) : ''
        const old = previous?.loaded.get(files.onnx)
        const same = old && old.files.version === files.version && old.configText === configText
        const model = same ? old.model : await openModel(files.onnx, config, options, cuda)
        const entry: Loaded = { files, configText, config, model, espeakVoice }
        loaded.set(files.onnx, entry)
        for (const { id, speaker, sid } of voices) byId.set(id, { info: voiceInfo(id, files.name, speaker, config), loaded: entry, speaker, sid })
      } catch (err) {
        skipped.push({ file, reason: (err as Error).message })
      }
    }
    const kept = new Set([...loaded.values()].map((l) => l.model))
    for (const old of previous?.loaded.values() ?? []) if (!kept.has(old.model)) await old.model.session.release()
    const warning = cuda.failed
      ? `TTS_DEVICE=cuda, but the CUDA execution provider could not be loaded (${cuda.failed}); Piper voices run on the CPU`
      : undefined
    return new PiperEngine(options, phonemizer, loaded, byId, { dirMissing, warning, skipped })
  }

  voices(): VoiceInfo[] {
    return [...this.byId.values()].map((v) => ({ ...v.info }))
  }

  status(): PiperStatus {
    return {
      modelsDir: this.options.modelsDir,
      requestedDevice: this.options.device,
      ...this.report,
      voices: [...this.byId.values()].map((v) => ({
        id: v.info.id,
        model: basename(v.loaded.files.onnx),
        ...(v.speaker ? { speaker: v.speaker } : {}),
        language: v.info.language,
        sampleRate: v.info.sampleRate,
        device: v.loaded.model.device,
      })),
    }
  }

  async *synthesize(segment: string, { voice, speed }: SynthesisOptions): AsyncIterable<Int16Array> {
    const v = this.voice(voice)
    if (!(speed > 0)) throw new RangeError(`speed must be positive, got ${speed}`)
    const { config, model } = v.loaded
    const scales: [number, number, number] = [config.noiseScale, config.lengthScale / speed, config.noiseW]
    for (const ids of await this.phonemeIds(segment, voice)) yield toPcm16(await run(model, ids, scales, v.sid))
  }

  /** The ids of each sentence of `segment`, one session.run each. */
  async phonemeIds(segment: string, voice: string): Promise<number[][]> {
    const { config, espeakVoice } = this.voice(voice).loaded
    let sentences: string[][]
    if (config.phonemeType === 'text') {
      sentences = textPhonemes(segment)
    } else {
      const espeak = await this.phonemizer()
      sentences = espeakPhonemes(segment, (clause) => espeak.phonemize(clause, espeakVoice))
    }
    return sentences.map((s) => phonemeIds(s, config.phonemeIdMap))
  }

  /** The session behind a voice, and its sid: for benchmarks that call it directly. */
  sessionOf(voice: string): { model: PiperModel; sid: number | null; scales: [number, number, number] } {
    const { loaded, sid } = this.voice(voice)
    return { model: loaded.model, sid, scales: [loaded.config.noiseScale, loaded.config.lengthScale, loaded.config.noiseW] }
  }

  async close(): Promise<void> {
    for (const l of this.loaded.values()) await l.model.session.release()
    this.loaded.clear()
    this.byId.clear()
  }

  private voice(id: string): Voice {
    const v = this.byId.get(id)
    if (!v) throw new Error(`piper has no voice "${id}"`)
    return v
  }
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')

/** `piper-<name>`, or `piper-<name>-<speaker>` for each speaker of a multi-speaker voice. */
function voiceIds(name: string, config: PiperConfig): { id: string; speaker: string; sid: number | null }[] {
  if (config.numSpeakers === 1) return [{ id: `piper-${slug(name)}`, speaker: '', sid: null }]
  return config.speakers.map(([speaker, sid]) => ({ id: `piper-${slug(name)}-${slug(speaker) || sid}`, speaker, sid }))
}

function voiceInfo(id: string, name: string, speaker: string, config: PiperConfig): VoiceInfo {
  const details = [config.language, config.quality].filter(Boolean).join(', ')
  return {
    id,
    name: `${config.dataset ?? name}${speaker ? ` ${speaker}` : ''} (Piper, ${details})`,
    language: config.language,
    gender: 'neutral',
    sampleRate: config.sampleRate,
    engine: 'piper',
  }
}

/** `en-us` → the eSpeak engine's `espeak-en-us`; `fr` → `espeak-fr-fr` when only that exists. */
function resolveEspeakVoice(espeak: Phonemizer, voice: string): string {
  const wanted = `espeak-${voice.toLowerCase()}`
  const ids = espeak.voices().map((v) => v.id)
  const found = ids.find((id) => id === wanted) ?? ids.find((id) => id.startsWith(`${wanted}-`))
  if (!found) throw new PiperConfigError(`eSpeak NG has no voice "${voice}" (espeak.voice)`)
  return found
}

/** Float audio in [-1, 1] → PCM16; anything beyond full scale is clipped, not wrapped. */
export function toPcm16(audio: Float32Array): Int16Array {
  const out = new Int16Array(audio.length)
  for (let i = 0; i < audio.length; i++) {
    const v = audio[i] * 32767
    out[i] = v >= 32767 ? 32767 : v <= -32768 ? -32768 : Math.round(v)
  }
  return out
}
