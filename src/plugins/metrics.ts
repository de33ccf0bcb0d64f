// Prometheus metrics, in a registry of this app's own (tests build several apps in one process).
// Names follow the original product: http_requests_total, tts_generation_duration_seconds,
// api_key_rate_limit_exceeded_total, system_cpu_percent, system_memory_percent, tts_model_loaded.
import { cpus, freemem, totalmem } from 'node:os'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { liveMp3Streams } from '../audio/mp3.js'
import { global } from './global.js'

export type LimitKind = 'ip' | 'key' | 'auth_failures' | 'characters'

export interface Metrics {
  registry: Registry
  httpRequests: Counter<'method' | 'route' | 'status'>
  ttsDuration: Histogram<'format'>
  ttfa: Histogram<'format'>
  rateLimited: Counter<'limit'>
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** CPU busy share of the whole machine since the previous scrape. */
function cpuSampler(): () => number {
  let last = snapshot()
  return () => {
    const now = snapshot()
    const busy = now.busy - last.busy
    const total = now.total - last.total
    last = now
    return total > 0 ? (100 * busy) / total : 0
  }
}

function snapshot() {
  let busy = 0
  let total = 0
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq
    total += all
    busy += all - times.idle
  }
  return { busy, total }
}

export default global(async (app) => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const metrics: Metrics = {
    registry,
    httpRequests: new Counter({ name: 'http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    ttsDuration: new Histogram({ name: 'tts_generation_duration_seconds', help: 'Time to synthesize and send one TTS response', labelNames: ['format'], buckets: LATENCY_BUCKETS, registers: [registry] }),
    ttfa: new Histogram({ name: 'tts_time_to_first_audio_seconds', help: 'Time from request to the first audio byte', labelNames: ['format'], buckets: LATENCY_BUCKETS, registers: [registry] }),
    rateLimited: new Counter({ name: 'api_key_rate_limit_exceeded_total', help: 'Requests refused by a rate limit or quota', labelNames: ['limit'], registers: [registry] }),
  }
  const cpu = cpuSampler()
  new Gauge({ name: 'system_cpu_percent', help: 'Machine CPU use since the previous scrape', registers: [registry], collect() { this.set(cpu()) } })
  new Gauge({ name: 'system_memory_percent', help: 'Machine memory in use', registers: [registry], collect() { this.set(100 * (1 - freemem() / totalmem())) } })
  new Gauge({ name: 'tts_mp3_streams', help: 'MP3 responses holding an encoder now', registers: [registry], collect() { this.set(liveMp3Streams()) } })
  new Gauge({
    name: 'tts_model_loaded', help: 'Voices loaded per engine (0: none can speak)', labelNames: ['engine'], registers: [registry],
    collect() {
      this.reset()
      for (const v of app.synth.voices()) this.inc({ engine: v.engine })
    },
  })
  new Gauge({
    name: 'tts_voice_device', help: 'Piper voices by the device they run on (1 per voice)', labelNames: ['voice', 'device'], registers: [registry],
    collect() {
      this.reset()
      for (const v of app.pool.lastStatus?.piper.voices ?? []) this.set({ voice: v.id, device: v.device }, 1)
    },
  })
  new Gauge({ name: 'tts_models_skipped', help: 'Model files in MODELS_DIR that could not be loaded', registers: [registry], collect() { this.set(app.pool.lastStatus?.piper.skipped.length ?? 0) } })
  new Gauge({ name: 'tts_synthesis_queue_depth', help: 'Synthesis tasks waiting for a worker', registers: [registry], collect() { this.set(app.pool.queued) } })
  new Gauge({ name: 'tts_synthesis_running', help: 'Synthesis tasks running on a worker', registers: [registry], collect() { this.set(app.pool.running) } })
  new Gauge({ name: 'tts_synthesis_workers', help: 'Synthesis worker threads', registers: [registry], collect() { this.set(app.pool.size) } })
  new Gauge({ name: 'tts_predicted_load', help: "Share of the synthesis pool's time live speech is predicted to need (admission refuses past ADMISSION_MAX_LOAD)", registers: [registry], collect() { this.set(app.admission.load()) } })
  new Gauge({ name: 'tts_live_consumers', help: 'Calls and /v1/speak sockets counted as live speech, answered or started', registers: [registry], collect() { this.set(app.admission.liveCount) } })
  new Counter({
    name: 'tts_admission_refused_total', help: 'Calls (busy), sockets and REST requests (503) refused for the pool\'s load', labelNames: ['front'], registers: [registry],
    collect() {
      this.reset()
      for (const [front, n] of Object.entries(app.admission.refusals)) this.inc({ front }, n)
    },
  })
  // Counters of the segment cache live in the synthesizer; mirror them at scrape time.
  let seen = { hits: 0, misses: 0 }
  const cacheHits = new Counter({ name: 'tts_cache_hits_total', help: 'Segments served from the audio cache', registers: [registry], collect() { sync() } })
  const cacheMisses = new Counter({ name: 'tts_cache_misses_total', help: 'Segments that had to be synthesized', registers: [registry], collect() { sync() } })
  new Gauge({ name: 'tts_cache_bytes', help: 'Bytes of audio in the segment cache', registers: [registry], collect() { this.set(app.synth.cache.size) } })
  function sync() {
    const { hits, misses } = app.synth.cache
    if (hits > seen.hits) cacheHits.inc(hits - seen.hits)
    if (misses > seen.misses) cacheMisses.inc(misses - seen.misses)
    seen = { hits, misses }
  }
  new Gauge({ name: 'usage_records_pending', help: 'Usage records buffered, not yet written', registers: [registry], collect() { this.set(app.usage.pending()) } })
  new Counter({ name: 'usage_records_dropped_total', help: 'Usage records lost to a full buffer', registers: [registry], collect() { this.reset(); this.inc(app.usage.dropped) } })

  app.decorate('metrics', metrics)

  app.addHook('onResponse', async (request, reply) => {
    // Unknown URLs share one label, so a scanner cannot blow up the series count.
    const route = request.is404 ? 'not_found' : (request.routeOptions.url ?? 'not_found')
    metrics.httpRequests.inc({ method: request.method, route, status: reply.statusCode })
  })
})
