// A request's text (plain or SSML) read once for a route, with bad SSML as a 400 that says where.
import type { FastifyInstance, FastifyReply } from 'fastify'
import { ApiError } from '../errors.js'
import { isSsml, readInput, type TextType } from '../speech/read-input.js'
import { speakable } from '../speech/read.js'
import { nothingToSay } from './audio-reply.js'
import { SsmlError } from '../speech/ssml/parse.js'
import type { SsmlReading } from '../speech/ssml/read.js'
import type { VoiceInfo } from '../speech/engine.js'

export function readText(app: FastifyInstance, text: string, voice: VoiceInfo, speed: number, type?: TextType): SsmlReading {
  try {
    return readInput(text, voice, speed, { type, voices: app.synth.voices(), lexicon: app.synth.lexicon })
  } catch (err) {
    if (err instanceof SsmlError) throw new ApiError('invalid_ssml', `Invalid SSML at line ${err.line}, column ${err.column}: ${err.reason}`)
    throw err
  }
}

/**
 * For text read later, elsewhere (a call's say, a number's greeting): refused now if it is bad SSML
 * or has nothing to say, without reading plain text here.
 */
export function checkSpeakable(app: FastifyInstance, text: string, voice: VoiceInfo, what = 'text'): void {
  if (isSsml(text)) readText(app, text, voice, 1)
  else if (!speakable(text)) throw nothingToSay(what)
}

/** What SSML asked for that this voice could not do, told in a header (the body is audio). */
export function warnSsml(reply: FastifyReply, warnings: string[] = []): void {
  // A header holds printable ASCII only, and a language tag in a warning is the client's text.
  if (warnings.length) reply.header('x-ssml-warning', warnings.join('; ').replace(/[^\x20-\x7e]/g, '?').slice(0, 1000))
}
