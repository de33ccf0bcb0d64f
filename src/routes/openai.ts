// POST /v1/audio/speech, shaped like OpenAI's, so the official clients work unchanged
// (`new OpenAI({ apiKey, baseURL: 'https://host/v1' })`). Formats and speeds this server cannot
// honour are refused with a 400 that says so, rather than answered with something else.
import { Type, type Static } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { ApiError } from '../errors.js'
import { defaultRate, type AudioFormat } from '../audio/encoder.js'
import { SPEED, read } from '../speech/read.js'
import { replyWithAudio } from '../http/audio-reply.js'
import { keySecurity, protectedErrors, errorRef } from '../http/schemas.js'
import type { CatalogVoice, VoiceCatalog } from '../store/voice-catalog.js'

/** OpenAI's voice names → the nearest Flite voice (by gender and accent). */
export const OPENAI_VOICES: Record<string, string> = {
  alloy: 'slt', echo: 'rms', fable: 'awb', onyx: 'kal16', nova: 'slt', shimmer: 'slt',
  ash: 'rms', ballad: 'awb', coral: 'slt', sage: 'slt', verse: 'kal16', marin: 'slt', cedar: 'rms',
}

const WE_MAKE = ['mp3', 'wav', 'pcm'] as const
const THEY_MAKE = ['opus', 'aac', 'flac'] as const
/** OpenAI's raw `pcm` is 24 kHz 16-bit little-endian mono. */
const OPENAI_PCM_RATE = 24000

export function speechBody(maxTextChars: number) {
  return Type.Object({
    model: Type.String({ minLength: 1, maxLength: 200, description: 'Accepted and ignored (e.g. tts-1): the voice decides the engine' }),
    input: Type.String({ minLength: 1, maxLength: maxTextChars }),
    voice: Type.Union([
      Type.String({ minLength: 1, maxLength: 64 }),
      Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
    ], { description: `Our voice slug or uuid, or an OpenAI name (${Object.keys(OPENAI_VOICES).join(', ')})` }),
    response_format: Type.Optional(Type.String({ maxLength: 20, description: "mp3 (the default, as at OpenAI; at the voice's rate), wav, or pcm (24 kHz 16-bit LE); opus, aac and flac are not made" })),
    speed: Type.Optional(Type.Number({ description: 'OpenAI accepts 0.25–4.0; this server speaks 0.5–2.0' })),
    instructions: Type.Optional(Type.String({ maxLength: 4096 })),
    stream_format: Type.Optional(Type.String({ maxLength: 20 })),
  })
}

function resolveVoice(voices: VoiceCatalog, voice: string | { id: string }): CatalogVoice {
  const name = typeof voice === 'string' ? voice : voice.id
  return voices.find(name) ?? voices.get(OPENAI_VOICES[name.toLowerCase()] ?? name)
}

export default async function openaiRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const Body = speechBody(config.maxTextChars)
  app.post<{ Body: Static<typeof Body> }>('/v1/audio/speech', {
    onRequest: app.requireKey('tts'),
    schema: {
      summary: 'Synthesize speech (OpenAI-compatible)',
      tags: ['openai'],
      security: keySecurity,
      body: Body,
      response: {
        200: { description: 'Audio', content: { 'audio/mpeg': { schema: { type: 'string', format: 'binary' } }, 'audio/wav': { schema: { type: 'string', format: 'binary' } }, 'audio/L16': { schema: { type: 'string', format: 'binary' } } } },
        404: errorRef,
        413: errorRef,
        415: errorRef,
        ...protectedErrors,
      },
    },
  }, async (request, reply) => {
    const { input, voice, response_format = 'mp3', speed = 1, stream_format } = request.body
    const format = response_format.toLowerCase()
    if ((THEY_MAKE as readonly string[]).includes(format)) {
      throw new ApiError('unsupported_format', `response_format "${format}" is not available on this server; use ${WE_MAKE.join(', ')}`)
    }
    if (!(WE_MAKE as readonly string[]).includes(format)) {
      throw new ApiError('unsupported_format', `response_format must be one of ${WE_MAKE.join(', ')} (got "${response_format}")`)
    }
    if (stream_format !== undefined && stream_format !== 'audio') {
      throw new ApiError('unsupported_format', 'stream_format must be "audio": server-sent events are not supported')
    }
    if (!(speed >= SPEED.min && speed <= SPEED.max)) {
      throw new ApiError('validation_failed', `speed must be between ${SPEED.min.toFixed(1)} and ${SPEED.max.toFixed(1)} on this server (got ${speed})`)
    }
    const v = resolveVoice(app.voices, voice)
    const out: AudioFormat = format === 'pcm' ? 'pcm16' : (format as 'mp3' | 'wav')
    const segments = read(input, v.info, speed, { lexicon: app.synth.lexicon })
    return replyWithAudio(app, request, reply, { text: input, segments, voice: v, format: out, sampleRate: out === 'pcm16' ? OPENAI_PCM_RATE : defaultRate(out, v.sampleRate) })
  })
}
