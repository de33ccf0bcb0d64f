// A Piper voice's NAME.onnx.json, read strictly: a field that is missing or of the wrong kind
// makes the voice unusable, and the message says which field, so the operator can fix the file.
export interface PiperConfig {
  sampleRate: number
  /** BCP 47, e.g. `en-US`, from `language.code` (`en_US`) or else `espeak.voice`. */
  language: string
  /** `espeak` (IPA from eSpeak NG) or `text` (the text's own code points). */
  phonemeType: 'espeak' | 'text'
  espeakVoice: string
  phonemeIdMap: Map<string, number[]>
  noiseScale: number
  lengthScale: number
  noiseW: number
  numSpeakers: number
  /** Speaker name → sid, in sid order; one entry (`''`, 0) for a single-speaker voice. */
  speakers: [string, number][]
  dataset?: string
  quality?: string
}

/** Piper's own defaults, used when `inference` leaves a value out. */
const DEFAULT_INFERENCE = { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 }
/** Symbols every Piper id map has: pad, beginning and end of sentence. */
export const PAD = '_'
export const BOS = '^'
export const EOS = '$'

export class PiperConfigError extends Error {}

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

function number(obj: Json, key: string, where: string, fallback?: number): number {
  const v = obj[key] ?? fallback
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new PiperConfigError(`${where}${key} must be a number`)
  return v
}

export function parsePiperConfig(text: string): PiperConfig {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new PiperConfigError(`not valid JSON (${(err as Error).message})`)
  }
  if (!isObject(json)) throw new PiperConfigError('not a JSON object')
  const audio = isObject(json.audio) ? json.audio : {}
  const sampleRate = number(audio, 'sample_rate', 'audio.')
  if (!Number.isInteger(sampleRate) || sampleRate < 4000 || sampleRate > 192000) throw new PiperConfigError('audio.sample_rate must be an integer rate in Hz')

  const phonemeType = json.phoneme_type ?? 'espeak'
  if (phonemeType !== 'espeak' && phonemeType !== 'text') throw new PiperConfigError(`phoneme_type "${String(phonemeType)}" is not supported (espeak or text)`)
  const espeak = isObject(json.espeak) ? json.espeak : {}
  const espeakVoice = typeof espeak.voice === 'string' ? espeak.voice : ''
  if (phonemeType === 'espeak' && !espeakVoice) throw new PiperConfigError('espeak.voice is missing')

  const phonemeIdMap = idMap(json.phoneme_id_map)
  const inference = isObject(json.inference) ? json.inference : {}
  const numSpeakers = json.num_speakers === undefined ? 1 : number(json, 'num_speakers', '')
  if (!Number.isInteger(numSpeakers) || numSpeakers < 1) throw new PiperConfigError('num_speakers must be a positive integer')

  const code = isObject(json.language) && typeof json.language.code === 'string' ? json.language.code : espeakVoice
  return {
    sampleRate,
    language: bcp47(code || 'und'),
    phonemeType,
    espeakVoice,
    phonemeIdMap,
    noiseScale: number(inference, 'noise_scale', 'inference.', DEFAULT_INFERENCE.noise_scale),
    lengthScale: number(inference, 'length_scale', 'inference.', DEFAULT_INFERENCE.length_scale),
    noiseW: number(inference, 'noise_w', 'inference.', DEFAULT_INFERENCE.noise_w),
    numSpeakers,
    speakers: speakers(json.speaker_id_map, numSpeakers),
    dataset: typeof json.dataset === 'string' ? json.dataset : undefined,
    quality: isObject(json.audio) && typeof json.audio.quality === 'string' ? json.audio.quality : undefined,
  }
}

function idMap(raw: unknown): Map<string, number[]> {
  if (!isObject(raw)) throw new PiperConfigError('phoneme_id_map is missing')
  const map = new Map<string, number[]>()
  for (const [symbol, ids] of Object.entries(raw)) {
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isInteger(id) && id >= 0)) {
      throw new PiperConfigError(`phoneme_id_map["${symbol}"] must be a list of ids`)
    }
    map.set(symbol, ids as number[])
  }
  for (const symbol of [PAD, BOS, EOS]) if (!map.has(symbol)) throw new PiperConfigError(`phoneme_id_map has no "${symbol}"`)
  return map
}

function speakers(raw: unknown, count: number): [string, number][] {
  if (count === 1) return [['', 0]]
  const named = isObject(raw) ? Object.entries(raw).filter((e): e is [string, number] => Number.isInteger(e[1]) && (e[1] as number) >= 0 && (e[1] as number) < count) : []
  // A multi-speaker voice without names still has `count` speakers; they are known by number.
  if (named.length === 0) return Array.from({ length: count }, (_, i) => [String(i), i])
  return named.sort((a, b) => a[1] - b[1])
}

/** `en_US` → `en-US`; `en-us` → `en-US`; `cmn` → `cmn`. */
export function bcp47(code: string): string {
  const [lang, ...rest] = code.replaceAll('_', '-').split('-')
  return [lang.toLowerCase(), ...rest.map((p) => (p.length === 2 ? p.toUpperCase() : p.toLowerCase()))].join('-')
}
