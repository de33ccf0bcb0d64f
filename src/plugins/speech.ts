// The speech core on the app: the worker pool, the synthesizer over it, and the voice catalog,
// which is written to the voices table at start-up (stable uuid per slug).
import { SynthesisPool } from '../speech/workers.js'
import { Synthesizer } from '../speech/synthesizer.js'
import { syncVoices } from '../store/voices.js'
import type { Config } from '../config.js'
import { VoiceCatalog } from './voice-catalog.js'
import { global } from './global.js'

declare module 'fastify' {
  interface FastifyInstance {
    pool: SynthesisPool
    synth: Synthesizer
    voices: VoiceCatalog
  }
}

const CATALOG_REFRESH_MS = 30_000

export default global(async (app, { config }: { config: Config }) => {
  const pool = new SynthesisPool(config.synthesisWorkers)
  app.addHook('onClose', () => pool.close())
  const spoken = await pool.voices()
  const synth = new Synthesizer(pool, spoken, { cacheBytes: config.cacheBytes })
  await syncVoices(app.db, spoken)
  const catalog = new VoiceCatalog(app.db, spoken)
  await catalog.refresh()
  const timer = setInterval(() => {
    catalog.refresh().catch((err) => app.log.warn({ err: { message: (err as Error).message } }, 'voice catalog refresh failed'))
  }, CATALOG_REFRESH_MS)
  timer.unref()
  app.addHook('onClose', async () => clearInterval(timer))
  app.log.info({ voices: spoken.length, workers: pool.size }, 'speech ready')

  app.decorate('pool', pool)
  app.decorate('synth', synth)
  app.decorate('voices', catalog)
})
