// eSpeak NG compiled with Emscripten (npm @echogarden/espeak-ng-emscripten). Its synthesis calls
// back with audio as it is made, so a segment streams out in pieces, and the callback's return
// value lets a cancelled request stop it mid-segment. It is also the phonemizer (IPA) that Piper
// voices need.
import type { EspeakModule, EspeakNGWorker } from '@echogarden/espeak-ng-emscripten'
import type { Engine, SegmentWords, SynthesisOptions, VoiceInfo, WordTiming } from '../engine.js'
import { msToSamples, spanAt, wordSpans } from './words.js'
import { IPA_CLOSE, IPA_OPEN, ipaToEspeak } from '../ssml/phonemes.js'

const SAMPLE_RATE = 22050
/** eSpeak's own default pace, in words per minute; `speed` scales it. */
const BASE_WPM = 175
/** eSpeak's default pitch on its 0–100 scale; SSML's percentages move it. */
const BASE_PITCH = 50
const GENDERS = { 1: 'male', 2: 'female' } as const

/** Slug of an eSpeak voice: `espeak-` and its main language, e.g. `espeak-en-us`. */
const slugOf = (language: string) => `espeak-${language.toLowerCase()}`

export class EspeakEngine implements Engine {
  readonly name = 'espeak'
  private readonly byId = new Map<string, { identifier: string; info: VoiceInfo }>()
  private currentVoice = ''

  private constructor(
    private readonly module: EspeakModule,
    private readonly worker: EspeakNGWorker,
  ) {
    const list = worker.list_voices()
    list.forEach((voice, index) => {
      const language = voice.languages[0]?.name ?? voice.identifier
      const id = slugOf(language)
      if (this.byId.has(id)) return
      const gender = GENDERS[worker.get_voices(index).get_gender() as keyof typeof GENDERS] ?? 'neutral'
      this.byId.set(id, {
        identifier: voice.identifier,
        info: { id, name: `${voice.name} (eSpeak NG)`, language: bcp47(language), gender, sampleRate: SAMPLE_RATE, engine: 'espeak' },
      })
    })
  }

  static async load(): Promise<EspeakEngine> {
    const { default: init } = await import('@echogarden/espeak-ng-emscripten')
    const module = await init()
    return new EspeakEngine(module, new module.eSpeakNGWorker())
  }

  voices(): VoiceInfo[] {
    return [...this.byId.values()].map((v) => ({ ...v.info }))
  }

  async *synthesize(segment: string, options: SynthesisOptions): AsyncIterable<Int16Array | SegmentWords> {
    const chunks: Int16Array[] = []
    const words = this.synthesizeEach(segment, options, (chunk) => void chunks.push(chunk))
    yield* chunks
    if (options.words) yield { words }
  }

  /**
   * Synthesizes synchronously, handing each piece of audio to `onChunk` as eSpeak makes it, and
   * returns when each word was spoken (read from events eSpeak sends anyway: no cost worth an
   * option). `onChunk` returning true stops the synthesis (the request
   * was cancelled).
   */
  synthesizeEach(segment: string, { voice, speed, pitch = 0 }: SynthesisOptions, onChunk: (chunk: Int16Array) => boolean | void): WordTiming[] {
    this.select(voice)
    this.worker.set_rate(Math.round(BASE_WPM * speed))
    this.worker.set_pitch(Math.round(Math.min(100, Math.max(0, BASE_PITCH * (1 + pitch / 100)))))
    let stopped = false
    let samples = 0
    const { text, origin } = escapeMarkup(segment)
    const words = new WordClock(segment, origin)
    this.worker.synthesize(text, (chunk, events) => {
      words.read(events as EspeakEvent[])
      samples += chunk?.length ?? 0
      return (stopped ||= chunk?.length > 0 && onChunk(chunk) === true)
    })
    // A stopped synthesis leaves its unread text inside eSpeak, and the next text-to-phonemes
    // call would read a piece of it; a synthesis of nothing clears it.
    if (stopped) this.worker.synthesize(' ', () => false)
    return words.timings(samples)
  }

  /**
   * IPA phonemes of a text, words separated by spaces and clauses by newlines. eSpeak's own
   * text-to-phonemes call, not a synthesis: under a millisecond for a sentence.
   */
  phonemize(text: string, voice: string): string {
    this.select(voice)
    const { ptr } = this.worker.text_to_phonemes(escapeMarkup(text).text, 1)
    if (!ptr) throw new Error('espeak could not phonemize')
    try {
      const heap = this.module.HEAPU8
      const end = heap.indexOf(0, ptr)
      return new TextDecoder().decode(heap.subarray(ptr, end)).replaceAll('_', '').replaceAll(' | ', '\n').trim()
    } finally {
      this.module._free(ptr)
    }
  }

  private select(voice: string): void {
    const entry = this.byId.get(voice)
    if (!entry) throw new Error(`espeak has no voice "${voice}"`)
    if (this.currentVoice === voice) return
    if (this.worker.set_voice(entry.identifier) !== 0) throw new Error(`espeak could not load voice "${voice}"`)
    this.currentVoice = voice
  }
}

/** `en-us` → `en-US`, `cmn` → `cmn`: the region part upper-cased as BCP 47 writes it. */
function bcp47(language: string): string {
  const [lang, ...rest] = language.split('-')
  return [lang, ...rest.map((part) => (part.length === 2 ? part.toUpperCase() : part))].join('-')
}

const ESCAPES: Record<string, string> = { '&': ' and ', '<': ' ', '>': ' ' }

/**
 * eSpeak reads `<` and `&` as markup in some modes; text is always text here. IPA from an SSML
 * phoneme becomes eSpeak's phoneme input (`[[…]]`). `origin` gives, for each code point of the
 * escaped text (eSpeak counts code points), its UTF-16 offset in `text`.
 */
function escapeMarkup(text: string): { text: string; origin: number[] } {
  let escaped = ''
  const origin: number[] = []
  let offset = 0
  let ipa: { at: number; text: string } | null = null
  const put = (out: string, at: number) => {
    escaped += out
    for (const _ of out) origin.push(at)
  }
  for (const char of text) {
    if (char === IPA_OPEN) ipa = { at: offset, text: '' }
    else if (char === IPA_CLOSE && ipa) put(`[[${ipaToEspeak(ipa.text)}]]`, ipa.at), (ipa = null)
    else if (ipa) ipa.text += char
    else put(ESCAPES[char] ?? char, offset)
    offset += char.length
  }
  return { text: escaped, origin }
}

interface EspeakEvent {
  type: string
  /** 1-based, in code points of the text eSpeak was given. */
  text_position: number
  /** Milliseconds from the start of the audio. */
  audio_position: number
  id?: string | number
}

/**
 * Word times from eSpeak's events. A word starts at the first `word` event inside it (a number
 * such as "123" is several spoken words, one text word) and ends where the next word starts or at
 * the first pause after its sounds: a `phoneme` event without a phoneme (some voices also send one
 * with no duration at a word's start, which is no pause), or a clause's `end`.
 */
class WordClock {
  private readonly spans
  private readonly words: { span: number; start: number; end?: number; sounded: boolean }[] = []

  constructor(
    segment: string,
    private readonly origin: number[],
  ) {
    this.spans = wordSpans(segment)
  }

  read(events: EspeakEvent[]): void {
    for (const event of events) {
      const ms = event.audio_position
      const last = this.words.at(-1)
      if (event.type === 'word') {
        const span = spanAt(this.spans, this.origin[event.text_position - 1] ?? Infinity)
        if (span < 0 || (last && span <= last.span)) continue
        if (last && last.end === undefined) last.end = ms
        this.words.push({ span, start: ms, sounded: false })
      } else if (!last) {
        continue
      } else if (event.type === 'phoneme' && event.id !== '') {
        last.sounded = true
        last.end = undefined
      } else if ((event.type === 'phoneme' && last.sounded) || event.type === 'end') {
        last.end ??= ms
      }
    }
  }

  timings(samples: number): WordTiming[] {
    return this.words.map(({ span, start, end }) => ({
      ...this.spans[span],
      start: msToSamples(start, SAMPLE_RATE),
      end: end === undefined ? samples : Math.min(samples, msToSamples(end, SAMPLE_RATE)),
    }))
  }
}
