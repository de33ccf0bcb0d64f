// Text that arrives in pieces (an LLM's tokens: words split across pieces, spaces at either end)
// read into segments as soon as each is complete, so the first clause can be spoken while the rest
// is still being written. A flush group (the text between two flushes) is read exactly as the same
// text in one piece would be: the same segments, so the same audio as POST /v1/tts.
//
// A segment is handed out only once something follows it (the last segment read is held back: its
// last word may still be growing, and a sentence's end depends on the next word: "Dr. Smith",
// "U.S. and"). Text is read again only when it could have completed a segment (clause punctuation
// followed by more, a long enough first clause, a full segment's length), not on every token.
import { read, type ReadOptions, type Segment } from './read.js'
import type { VoiceInfo } from './engine.js'
import { segmentChars } from './costs.js'

const MAY_END = /[.,;:!?…。！？，、；：—–]["'”’»)\]}]*\s+\S/u
const DEFAULT_FIRST_WORDS = 6

export class TextStream {
  /** The current flush group, as received. */
  private group = ''
  /** Where the group starts in everything this stream has received (for the words' spans). */
  private offset = 0
  /** Segments of the group handed out so far, and how much of the group they used. */
  private handed: string[] = []
  private consumed = 0
  /** Text received before the last flush, and so how far `offset` moves on at the next one. */
  private received = 0

  constructor(
    private voice: VoiceInfo,
    private readonly speed: number,
    private readonly options: Omit<ReadOptions, 'offset'> = {},
  ) {}

  /** Characters received and not yet handed out as segments. */
  get buffered(): number {
    return this.group.length - this.consumed
  }

  /** Text of the group not yet handed out has no words in it. */
  get empty(): boolean {
    return this.group.slice(this.consumed).trim() === ''
  }

  /** Later text is read in this voice (a language switch). */
  setVoice(voice: VoiceInfo): void {
    this.voice = voice
  }

  /** Adds a piece of text; returns the segments it completed. */
  push(text: string): Segment[] {
    this.group += text
    this.received += text.length
    if (!this.mayComplete(this.group.slice(this.consumed))) return []
    return this.hand(this.unhanded(this.group).slice(0, -1))
  }

  /** Everything buffered, read now; the next text starts a new group. */
  flush(): Segment[] {
    const segments = this.hand(this.unhanded(this.group))
    this.reset()
    return segments
  }

  /** Drops what is buffered; the next text starts a new group. */
  clear(): void {
    this.reset()
  }

  private reset(): void {
    this.offset = this.received
    this.group = ''
    this.handed = []
    this.consumed = 0
  }

  private mayComplete(fresh: string): boolean {
    if (MAY_END.test(fresh)) return true
    if (fresh.length >= (this.options.maxChars ?? segmentChars(this.voice))) return true
    const firstWords = this.options.firstMaxWords ?? DEFAULT_FIRST_WORDS
    return this.handed.length === 0 && fresh.trim().split(/\s+/).length >= firstWords + 2
  }

  /** The segments of `text` (a prefix of the group) after those already handed out. */
  private unhanded(text: string): Segment[] {
    const all = read(text, this.voice, this.speed, { ...this.options, offset: this.offset })
    if (this.handed.every((t, i) => all[i]?.text === t)) return all.slice(this.handed.length)
    // Reading more text changed a segment already handed out (rare: a rewrite that spans the cut).
    // What was spoken stays spoken; the rest is read on its own, as later sentences are.
    return read(text.slice(this.consumed), this.voice, this.speed, {
      ...this.options,
      firstMaxWords: Number.MAX_SAFE_INTEGER,
      offset: this.offset + this.consumed,
    })
  }

  private hand(segments: Segment[]): Segment[] {
    for (const s of segments) {
      this.handed.push(s.text)
      this.consumed = Math.max(this.consumed, (s.spans.at(-1)?.to ?? this.offset) - this.offset)
    }
    return segments
  }
}
