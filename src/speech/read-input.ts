// What a request asks to be said, plain text or SSML, read into segments: the one entry every
// front door uses (REST, /v1/speak, a call's say), so the two kinds of input cannot drift apart.
import { read } from './read.js'
import { looksLikeSsml } from './ssml/parse.js'
import { readSsml, type SsmlReading } from './ssml/read.js'
import type { VoiceInfo } from './engine.js'
import type { Lexicon } from './lexicon.js'

/** `text`: always plain; `ssml`: always SSML; unset: SSML when the root is `<speak>`. */
export type TextType = 'text' | 'ssml'

export interface InputOptions {
  type?: TextType
  /** The installed voices, for SSML's `xml:lang`. */
  voices: readonly VoiceInfo[]
  lexicon?: Lexicon
}

export const isSsml = (text: string, type?: TextType): boolean => type === 'ssml' || (type === undefined && looksLikeSsml(text))

/** The segments `text` is spoken in, and what SSML asked for that could not be done; throws SsmlError. */
export function readInput(text: string, voice: VoiceInfo, speed: number, { type, voices, lexicon }: InputOptions): SsmlReading {
  if (isSsml(text, type)) return readSsml(text, voice, speed, voices, lexicon)
  return { segments: read(text, voice, speed, { lexicon }), warnings: [] }
}
