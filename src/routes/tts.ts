// POST /v1/tts: text in, audio streamed back as it is synthesized; /v1/tts/with-timestamps: the
// audio and the time of every word, in one JSON answer.
import { Type, type Static } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { ApiError } from '../errors.js'
import { AUDIO_FORMATS, defaultRate } from '../audio/encoder.js'
import { readText, warnSsml } from '../http/read-text.js'
import { replyWithAudio, type AudioRequest } from '../http/audio-reply.js'
import { timedAudio } from '../http/timed-audio.js'
import { keySecurity, protectedErrors, errorRef, OutputRate, Speed, VoiceRef } from '../http/schemas.js'

export function ttsBody(maxTextChars: number) {
  return Type.Object(
    {
      text: Type.String({ minLength: 1, maxLength: maxTextChars, description: `Text to speak, up to ${maxTextChars} characters; SSML when its root is <speak>` }),
      text_type: Type.Optional(Type.Union([Type.Literal('text'), Type.Literal('ssml')], { description: '`ssml` or `text`; unset, SSML when the text starts with <speak>' })),
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
  }, async (request, reply) => replyWithAudio(app, request, reply, audioRequest(request.body)))

  const Word = Type.Object({
    word: Type.String({ description: 'As spoken' }),
    start: Type.Number({ description: 'Seconds from the start of the audio' }),
    end: Type.Number(),
    text_start: Type.Integer({ description: 'The characters of `text` it was read from (UTF-16 offsets, end exclusive)' }),
    text_end: Type.Integer(),
  })
  app.post<{ Body: Static<typeof Body> }>('/v1/tts/with-timestamps', {
    onRequest: app.requireKey('tts'),
    schema: {
      summary: 'Synthesize speech, with the time of every word',
      description: 'The whole audio, base64-encoded, and each spoken word with its times and the characters of the text it came from.',
      tags: ['tts'],
      security: keySecurity,
      body: Body,
      response: {
        200: Type.Object({ audio_base64: Type.String(), format: Type.String(), sample_rate: Type.Integer(), words: Type.Array(Word) }),
        404: errorRef,
        413: errorRef,
        415: errorRef,
        ...protectedErrors,
      },
    },
  }, async (request, reply) => {
    const p = audioRequest(request.body)
    warnSsml(reply, p.warnings)
    return timedAudio(app, request, p)
  })

  /** The body read once: its voice (the service's default when it names none), segments and output. */
  function audioRequest({ text, text_type, voice_id, format = 'wav', speed = 1, sample_rate }: Static<typeof Body>): AudioRequest {
    // No voice_id: the service's default, which an operator may have set to one not installed.
    if (voice_id === undefined && !app.voices.find(config.defaultVoice)) {
      throw new ApiError('voice_not_found', `The default voice "${config.defaultVoice}" (DEFAULT_VOICE) is not installed; GET /v1/voices lists the voices`)
    }
    const voice = app.voices.get(voice_id ?? config.defaultVoice)
    const { segments, warnings } = readText(app, text, voice.info, speed, text_type)
    return { text, segments, warnings, voice, format, sampleRate: sample_rate ?? defaultRate(format, voice.sampleRate) }
  }
}
