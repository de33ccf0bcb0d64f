// GET /health, as the original product reports it: "healthy"; "degraded" (still 200) when Redis is
// configured but down and limits are counted in this process; 503 "unhealthy" when no engine can
// speak or the database cannot be reached.
import { Type } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'

/** A load balancer may poll this many times a second; the database is asked at most this often. */
const DB_CHECK_MS = 1000
const DB_TIMEOUT_MS = 1000

const Health = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  timestamp: Type.String({ format: 'date-time' }),
  components: Type.Object({
    tts_model: Type.Boolean({ description: 'At least one voice can speak' }),
    database: Type.Boolean(),
    redis: Type.Boolean({ description: 'False only when Redis is configured and not answering' }),
  }),
  speech: Type.Object({
    voices: Type.Integer(),
    piper: Type.Object({
      voices: Type.Array(Type.Object({ id: Type.String(), device: Type.String() })),
      skipped: Type.Array(Type.Object({ file: Type.String(), reason: Type.String() }), { description: 'Model files that could not be loaded, and why' }),
      warning: Type.Optional(Type.String({ description: 'e.g. TTS_DEVICE=cuda fell back to the CPU' })),
    }),
  }),
  backends: Type.Object({
    database: Type.String({ description: 'postgres or pglite (embedded)' }),
    limits: Type.String({ description: 'redis, or memory (per instance)' }),
  }),
})

export default async function healthRoutes(app: FastifyInstance) {
  let checked = 0
  let healthy = true
  let inFlight: Promise<boolean> | null = null

  const database = (): Promise<boolean> => {
    if (performance.now() - checked < DB_CHECK_MS) return Promise.resolve(healthy)
    inFlight ??= withTimeout(app.db.ping(), DB_TIMEOUT_MS)
      .then(() => true, () => false)
      .then((ok) => {
        healthy = ok
        checked = performance.now()
        inFlight = null
        return ok
      })
    return inFlight
  }

  app.get('/health', {
    schema: { summary: 'Service health', tags: ['health'], response: { 200: Health, 503: Health } },
  }, async (_request, reply) => {
    const db = await database()
    const tts = app.synth.voices().length > 0
    const redis = !app.limiter.degraded
    const status = !db || !tts ? 'unhealthy' : redis ? 'healthy' : 'degraded'
    return reply.code(status === 'unhealthy' ? 503 : 200).send({
      status,
      timestamp: new Date().toISOString(),
      components: { tts_model: tts, database: db, redis },
      speech: speech(app),
      backends: { database: app.db.kind, limits: app.limiter.backend },
    })
  })
}

/** From the pool's last status: a poll never waits behind synthesis work. */
function speech(app: FastifyInstance) {
  const piper = app.pool.lastStatus?.piper
  return {
    voices: app.synth.voices().length,
    piper: { voices: piper?.voices.map((v) => ({ id: v.id, device: v.device })) ?? [], skipped: piper?.skipped ?? [], warning: piper?.warning },
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timed out')), ms)
    p.then((v) => (clearTimeout(t), resolve(v)), (e) => (clearTimeout(t), reject(e)))
  })
}
