// The speech core on the app: the worker pool, the synthesizer over it, and the voice catalog,
// which is written to the voices table at start-up (stable uuid per slug) and again whenever the
// engines are reloaded (Piper voices dropped into MODELS_DIR).
import { SynthesisPool } from '../speech/workers.js'
import type { SpeechStatus } from '../speech/worker-protocol.js'
import { Synthesizer } from '../speech/synthesizer.js'
import { syncVoices } from '../store/voices.js'
import type { Config } from '../config.js'
import { VoiceCatalog } from '../store/voice-catalog.js'
import { global } from './global.js'
import { Admission } from '../speech/admission.js'

declare module 'fastify' {
  interface FastifyInstance {
    pool: SynthesisPool
    synth: Synthesizer
    /** Whether one more call, socket or REST request fits the pool. */
    admission: Admission
    voices: VoiceCatalog
    /** Rescans MODELS_DIR in every worker and brings the synthesizer and the catalog up to date. */
    reloadVoices(): Promise<SpeechStatus>
  }
}

const CATALOG_REFRESH_MS = 30_000

export default global(async (app, { config }: { config: Config }) => {
  const pool = new SynthesisPool(config.synthesisWorkers, {
    modelsDir: config.modelsDir,
    device: config.ttsDevice,
    piperThreads: config.piperThreads,
    warn: (message) => app.log.warn(message),
  })
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
  app.decorate('admission', new Admission(pool, config.admission))
  app.decorate('voices', catalog)
  app.decorate('reloadVoices', async () => {
    const status = await pool.reload()
    synth.setVoices(status.voices)
    catalog.setSpoken(status.voices)
    await syncVoices(app.db, status.voices)
    await catalog.refresh()
    app.log.info({ voices: status.voices.length, piper: status.piper.voices.length, skipped: status.piper.skipped.length }, 'voices reloaded')
    return status
  })
})
