// GET /v1/voices: what POST /v1/tts accepts as voice_id. POST /v1/voices/reload (admin): pick up
// Piper voices added to or removed from MODELS_DIR without a restart (SIGHUP does the same).
import { Type } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { keySecurity, protectedErrors } from '../http/schemas.js'

const Voice = Type.Object({
  id: Type.String({ format: 'uuid' }),
  slug: Type.String(),
  name: Type.String(),
  language: Type.String({ description: 'BCP 47 tag' }),
  gender: Type.String(),
  engine: Type.String(),
  sample_rate: Type.Integer({ description: 'Native rate of the voice in Hz' }),
})

const PiperReport = Type.Object({
  voices: Type.Integer({ description: 'Voices every engine can speak now' }),
  piper: Type.Object({
    models_dir: Type.String(),
    voices: Type.Array(Type.Object({ id: Type.String(), model: Type.String(), device: Type.String() })),
    skipped: Type.Array(Type.Object({ file: Type.String(), reason: Type.String() })),
    warning: Type.Optional(Type.String()),
  }),
})

export default async function voicesRoutes(app: FastifyInstance) {
  app.post('/v1/voices/reload', {
    onRequest: app.requireKey('admin'),
    schema: {
      summary: 'Rescan MODELS_DIR for Piper voices',
      tags: ['tts'],
      security: keySecurity,
      response: { 200: PiperReport, ...protectedErrors },
    },
  }, async () => {
    const { voices, piper } = await app.reloadVoices()
    return {
      voices: voices.length,
      piper: { models_dir: piper.modelsDir, voices: piper.voices.map((v) => ({ id: v.id, model: v.model, device: v.device })), skipped: piper.skipped, warning: piper.warning },
    }
  })

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
