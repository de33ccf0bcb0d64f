// POST /v1/tts: text in, audio streamed back as it is synthesized.
import { Type, type Static } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { ApiError } from '../errors.js'
import { AUDIO_FORMATS, defaultRate } from '../audio/encoder.js'
import { read } from '../speech/read.js'
import { replyWithAudio } from '../http/audio-reply.js'
import { keySecurity, protectedErrors, errorRef, OutputRate, Speed, VoiceRef } from '../http/schemas.js'

export function ttsBody(maxTextChars: number) {
  return Type.Object(
    {
      text: Type.String({ minLength: 1, maxLength: maxTextChars, description: `Text to speak, up to ${maxTextChars} characters` }),
      voice_id: Type.Optional(VoiceRef),
      format: Type.Optional(Type.Enum(AUDIO_FORMATS, { type: 'string', default: 'wav', description: 'wav, raw little-endian pcm16, G.711 mulaw/alaw, or mp3' })),
      speed: Type.Optional(Speed),
      sample_rate: Type.Optional(OutputRate),
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
    // No voice_id: the service's default, which an operator may have set to one not installed.
    if (voice_id === undefined && !app.voices.find(config.defaultVoice)) {
      throw new ApiError('voice_not_found', `The default voice "${config.defaultVoice}" (DEFAULT_VOICE) is not installed; GET /v1/voices lists the voices`)
    }
    const voice = app.voices.get(voice_id ?? config.defaultVoice)
    const segments = read(text, voice.info, speed)
    return replyWithAudio(app, request, reply, { text, segments, voice, format, sampleRate: sample_rate ?? defaultRate(format, voice.sampleRate) })
  })
}
