// GET /v1/voices: what POST /v1/tts accepts as voice_id.
import { Type } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { keySecurity, protectedErrors } from '../plugins/schemas.js'

const Voice = Type.Object({
  id: Type.String({ format: 'uuid' }),
  slug: Type.String(),
  name: Type.String(),
  language: Type.String({ description: 'BCP 47 tag' }),
  gender: Type.String(),
  engine: Type.String(),
  sample_rate: Type.Integer({ description: 'Native rate of the voice in Hz' }),
})

export default async function voicesRoutes(app: FastifyInstance) {
  app.get('/v1/voices', {
    onRequest: app.requireKey('tts'),
    schema: {
      summary: 'List voices',
      tags: ['tts'],
      security: keySecurity,
      response: { 200: Type.Object({ voices: Type.Array(Voice) }), ...protectedErrors },
    },
  }, async () => ({
    voices: app.voices.all().map((v) => ({ id: v.id, slug: v.slug, name: v.name, language: v.language, gender: v.gender, engine: v.engine, sample_rate: v.sampleRate })),
  }))
}
