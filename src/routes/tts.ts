// POST /v1/tts: text in, audio streamed back as it is synthesized.
import { Type, type Static } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { ApiError } from '../errors.js'
import { AUDIO_FORMATS, defaultRate } from '../audio/encoder.js'
import { speak } from '../plugins/speak.js'
import { keySecurity, protectedErrors, errorRef } from '../plugins/schemas.js'

export const OUTPUT_RATES = [8000, 16000, 22050, 24000, 44100, 48000] as const

/** A voice's slug or uuid: letters, digits, dash, underscore (no room for anything else). */
export const VoiceRef = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'Voice slug (e.g. `slt`) or uuid' })

export function ttsBody(maxTextChars: number) {
  return Type.Object(
    {
      text: Type.String({ minLength: 1, maxLength: maxTextChars, description: `Text to speak, up to ${maxTextChars} characters` }),
      voice_id: Type.Optional(VoiceRef),
      format: Type.Optional(Type.Enum(AUDIO_FORMATS, { type: 'string', default: 'wav', description: 'wav, raw little-endian pcm16, G.711 mulaw/alaw, or mp3' })),
      speed: Type.Optional(Type.Number({ minimum: 0.5, maximum: 2, default: 1 })),
      sample_rate: Type.Optional(Type.Enum(OUTPUT_RATES, { type: 'integer', description: "Output rate; default the voice's own, 8000 for mulaw/alaw" })),
    },
    { additionalProperties: false },
  )
}

export default async function ttsRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const Body = ttsBody(config.maxTextChars)
  app.post<{ Body: Static<typeof Body> }>('/v1/tts', {
    onRequest: app.requireKey('tts'),
    schema: {
      summary: 'Synthesize speech',
      description: 'Streams audio as it is made (chunked). `X-Sample-Rate` gives the output rate.',
      tags: ['tts'],
      security: keySecurity,
      body: Body,
      response: {
        200: { description: 'Audio', content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } }, 'audio/L16': { schema: { type: 'string', format: 'binary' } }, 'audio/basic': { schema: { type: 'string', format: 'binary' } }, 'audio/x-alaw-basic': { schema: { type: 'string', format: 'binary' } }, 'audio/mpeg': { schema: { type: 'string', format: 'binary' } } } },
        404: errorRef,
        413: errorRef,
        415: errorRef,
        ...protectedErrors,
      },
    },
  }, async (request, reply) => {
    const { text, voice_id, format = 'wav', speed = 1, sample_rate } = request.body
    const voice = app.voices.find(voice_id ?? config.defaultVoice)
    if (!voice) {
      const which = voice_id === undefined ? `The default voice "${config.defaultVoice}" (DEFAULT_VOICE)` : `No voice "${voice_id}"`
      throw new ApiError('voice_not_found', `${which} is not installed; GET /v1/voices lists the voices`)
    }
    return speak(app, request, reply, { text, voice, format, speed, sampleRate: sample_rate ?? defaultRate(format, voice.sampleRate) })
  })
}
