// SSML → segments, the same segments plain text becomes (read.ts's `cut`), so synthesis, word
// timings and the cache are one path whatever the input. The tree is walked with what applies at
// each point (voice, speed, gain, pitch); text gathers into a run until something changes that or
// ends a sentence, and each run is cut into segments. Breaks, bleeps and marks are segments of
// their own that the synthesizer makes without an engine. Each word's span is its place in the
// SSML text (what replaced it, for sub and say-as: the whole element).
import { cut, readWords, type Delivery, type Segment } from '../read.js'
import { normalize } from '../normalize.js'
import type { Lexicon } from '../lexicon.js'
import { alignWords, type Span } from '../align.js'
import type { VoiceInfo } from '../engine.js'
import { parseSsml, SsmlError, textOf, type SsmlElement, type SsmlNode } from './parse.js'
import { BadValue, breakMs, clampSpeed, emphasis, pitch, rate, volume } from './values.js'
import { sayAs } from './say-as.js'
import { IPA_CLOSE, IPA_OPEN, PHONEME_ENGINES, toIpa } from './phonemes.js'

export interface SsmlReading {
  segments: Segment[]
  /** What could not be done as written (a phoneme on a voice that cannot take phonemes). */
  warnings: string[]
}

const CONTAINERS = new Set(['speak', 'p', 's', 'w', 'prosody', 'emphasis', 'lang'])

/** `voices`: the installed voices, for `xml:lang` (a voice of that language when there is one). */
export function readSsml(text: string, voice: VoiceInfo, speed: number, voices: readonly VoiceInfo[], lexicon?: Lexicon): SsmlReading {
  const reader = new Reader(voices, lexicon)
  reader.element(parseSsml(text), { voice, speed, gain: 0, pitch: 0 })
  reader.flush()
  return { segments: reader.segments, warnings: [...reader.warnings] }
}

class Reader {
  readonly segments: Segment[] = []
  readonly warnings = new Set<string>()
  private words: string[] = []
  private spans: Span[] = []
  private delivery: Delivery | null = null

  constructor(
    private readonly voices: readonly VoiceInfo[],
    private readonly lexicon: Lexicon | undefined,
  ) {}

  element(el: SsmlElement, outer: Delivery): void {
    try {
      this.visit(el, outer)
    } catch (err) {
      if (err instanceof BadValue) throw new SsmlError(`<${el.name}>: ${err.message}`, el.line, el.column)
      throw err
    }
  }

  private visit(el: SsmlElement, outer: Delivery): void {
    const a = el.attributes
    const own = { ...outer, voice: a['xml:lang'] ? this.voiceFor(a['xml:lang'], outer.voice) : outer.voice }
    const whole: Span = { from: el.from, to: el.to }
    switch (el.name) {
      case 'break':
        return this.pause(own, { ms: breakMs(a.time, a.strength) })
      case 'mark':
        if (!a.name) throw new BadValue('a mark needs a name')
        return this.pause(own, { ms: 0, mark: a.name })
      case 'sub':
        if (a.alias === undefined) throw new BadValue('a sub needs an alias')
        return this.add(own, normalize(a.alias, own.voice.language), whole)
      case 'say-as': {
        const said = sayAs(textOf(el), a['interpret-as'], a.format, own.voice.language)
        if ('bleepMs' in said) return this.pause(own, { ms: said.bleepMs, bleep: true })
        return this.add(own, 'words' in said ? said.words : normalize(said.text, own.voice.language), whole)
      }
      case 'phoneme': {
        const ipa = toIpa(a.ph ?? '', a.alphabet)
        if (!a.ph || ipa === undefined) throw new BadValue('a phoneme needs ph, and alphabet ipa or x-sampa')
        if (PHONEME_ENGINES.has(own.voice.engine)) return this.add(own, `${IPA_OPEN}${ipa.replace(/\s+/g, '')}${IPA_CLOSE}`, whole)
        this.warnings.add(`${own.voice.engine} voices cannot speak phonemes: the text of <phoneme> was read instead`)
        return this.add(own, normalize(textOf(el), own.voice.language), whole)
      }
    }
    if (!CONTAINERS.has(el.name)) throw new BadValue(`<${el.name}> is not supported`)
    const inner = this.inner(el, own)
    if (el.name === 'p' || el.name === 's') this.flush()
    for (const child of el.children) this.node(child, inner)
    if (el.name === 'p' || el.name === 's') this.flush()
  }

  /** What applies inside a container. */
  private inner(el: SsmlElement, own: Delivery): Delivery {
    const a = el.attributes
    if (el.name === 'prosody') {
      return {
        ...own,
        speed: a.rate ? clampSpeed(own.speed * rate(a.rate)) : own.speed,
        gain: a.volume ? (own.gain ?? 0) + volume(a.volume) : own.gain,
        pitch: a.pitch ? (own.pitch ?? 0) + pitch(a.pitch) : own.pitch,
      }
    }
    if (el.name === 'emphasis') {
      const e = emphasis(a.level)
      return { ...own, speed: clampSpeed(own.speed * e.speed), gain: (own.gain ?? 0) + e.volume }
    }
    return own
  }

  private node(node: SsmlNode, delivery: Delivery): void {
    if (node.kind === 'element') return this.element(node, delivery)
    const spoken = readWords(node.text, delivery.voice, this.lexicon)
    if (!spoken) return
    const spans = alignWords(node.text, spoken).map(({ from, to }) => ({ from: node.from + from, to: Math.min(node.to, node.from + to) }))
    this.append(delivery, spoken, spans)
  }

  /** Words read from one element, all from its span. */
  private add(delivery: Delivery, spoken: string, whole: Span): void {
    const words = spoken.split(/\s+/).filter(Boolean)
    if (words.length) this.append(delivery, words.join(' '), words.map(() => whole))
  }

  private append(delivery: Delivery, spoken: string, spans: Span[]): void {
    if (this.delivery && !same(this.delivery, delivery)) this.flush()
    this.delivery = delivery
    const words = spoken.split(' ')
    // Punctuation right after an element ("<say-as …>12</say-as>.") belongs to its last word, as
    // in plain text: the segmenter and the engines read a sentence's end from it.
    if (this.words.length && PUNCTUATION.test(words[0])) {
      this.words[this.words.length - 1] += words.shift()
      spans = spans.slice(1)
    }
    this.words.push(...words)
    this.spans.push(...spans)
  }

  private pause(delivery: Delivery, pause: NonNullable<Segment['pause']>): void {
    this.flush()
    this.segments.push({ ...delivery, text: '', spans: [], pause })
  }

  /** The run so far, cut into segments. */
  flush(): void {
    if (this.delivery && this.words.length) this.segments.push(...cut(this.words.join(' '), this.spans, this.delivery, this.segments.length ? { firstMaxWords: Number.MAX_SAFE_INTEGER } : {}))
    this.words = []
    this.spans = []
    this.delivery = null
  }

  /** The current voice when it speaks `tag`; else an installed one that does, the same engine's first. */
  private voiceFor(tag: string, current: VoiceInfo): VoiceInfo {
    const lower = tag.toLowerCase()
    const primary = lower.split(/[-_]/)[0]
    const matches = (v: VoiceInfo, exact: boolean) => (exact ? v.language.toLowerCase() === lower : v.language.toLowerCase().split('-')[0] === primary)
    if (matches(current, true) || (matches(current, false) && !lower.includes('-'))) return current
    for (const exact of [true, false]) {
      const found = this.voices.filter((v) => matches(v, exact))
      const best = found.find((v) => v.engine === current.engine && v.sampleRate === current.sampleRate) ?? found[0]
      if (best) return best
    }
    this.warnings.add(`no voice speaks ${tag}: its text was read by ${current.id}`)
    return current
  }
}

const PUNCTUATION = /^[.,;:!?…]+$/

const same = (a: Delivery, b: Delivery) => a.voice.id === b.voice.id && a.speed === b.speed && (a.gain ?? 0) === (b.gain ?? 0) && (a.pitch ?? 0) === (b.pitch ?? 0)
