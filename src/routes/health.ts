// GET /health, as the original product reports it: "healthy"; "degraded" (still 200) when Redis is
// configured but down and limits are counted in this process; 503 "unhealthy" when no engine can
// speak or the database cannot be reached. "redis" is "not_configured" when there is none to ask.
//
// A poll never waits on the database: a probe asks it every PROBE_MS in the background and a poll
// reads the last answer, so a change (either way) shows within a second and a poll during an outage
// is as fast as any other.
import { Type } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'

const PROBE_MS = 500
/** A ping that has not answered in this long counts as a database that is not there. */
const PROBE_TIMEOUT_MS = 500

const Health = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  timestamp: Type.String({ format: 'date-time' }),
  components: Type.Object({
    tts_model: Type.Boolean({ description: 'At least one voice can speak' }),
    database: Type.Boolean(),
    redis: Type.Union([Type.Boolean(), Type.Literal('not_configured')], { description: 'False when Redis is configured and not answering' }),
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
  const database = probe(() => app.db.ping())
  app.addHook('onClose', async () => database.stop())

  app.get('/health', {
    schema: { summary: 'Service health', tags: ['health'], response: { 200: Health, 503: Health } },
  }, async (_request, reply) => {
    const db = await database.healthy()
    const tts = app.synth.voices().length > 0
    const redis = app.redis ? !app.limiter.degraded : 'not_configured'
    const status = !db || !tts ? 'unhealthy' : redis === false ? 'degraded' : 'healthy'
    return reply.code(status === 'unhealthy' ? 503 : 200).send({
      status,
      timestamp: new Date().toISOString(),
      components: { tts_model: tts, database: db, redis },
      speech: speech(app),
      backends: { database: app.db.kind, limits: app.limiter.backend },
    })
  })
}

/**
 * Pings every PROBE_MS; healthy() is the latest answer (the very first one is awaited). A ping
 * that hangs past PROBE_TIMEOUT_MS counts as a failure and the next tick pings again beside it,
 * so a recovery is seen at the next tick, not when a hung connection attempt finally gives up.
 */
function probe(ping: () => Promise<void>) {
  let ok: boolean | null = null
  let sent = 0
  let applied = 0
  let last: { startedAt: number; settled: boolean; done: Promise<void> } | null = null
  const tick = (): Promise<void> => {
    if (last && !last.settled) {
      if (performance.now() - last.startedAt <= PROBE_TIMEOUT_MS) return last.done
      ok = false
    }
    const id = ++sent
    const p = { startedAt: performance.now(), settled: false, done: Promise.resolve() }
    p.done = ping().then(() => true, () => false).then((answer) => {
      p.settled = true
      if (id < applied) return // a newer ping has answered already
      applied = id
      ok = answer
    })
    last = p
    return p.done
  }
  const timer = setInterval(tick, PROBE_MS).unref()
  return {
    healthy: async (): Promise<boolean> => {
      if (ok === null) await Promise.race([tick(), new Promise((r) => setTimeout(r, PROBE_TIMEOUT_MS))])
      return ok ?? false
    },
    stop: () => clearInterval(timer),
  }
}

/** From the pool's last status: a poll never waits behind synthesis work. */
function speech(app: FastifyInstance) {
  const piper = app.pool.lastStatus?.piper
  return {
    voices: app.synth.voices().length,
    piper: { voices: piper?.voices.map((v) => ({ id: v.id, device: v.device })) ?? [], skipped: piper?.skipped ?? [], warning: piper?.warning },
  }
}
