// Composition root: the server's options, then plugins and routes in the order they depend on
// each other. Nothing else lives here.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { DestinationStream } from 'pino'
import type { Config } from './config.js'
import type { Db } from './store/db.js'
import { createLogger, trustProxyOption } from './plugins/logging.js'
import { genReqId } from './request-id.js'
import errors, { clientErrorHandler, sendError } from './plugins/errors.js'
import connections from './plugins/connections.js'
import security from './plugins/security.js'
import metrics from './plugins/metrics.js'
import store from './plugins/store.js'
import speech from './plugins/speech.js'
import auth from './plugins/auth.js'
import docs from './plugins/docs.js'
import telephony from './plugins/telephony.js'
import lexicon from './plugins/lexicon.js'
import healthRoutes from './routes/health.js'
import metricsRoutes from './routes/metrics.js'
import authRoutes from './routes/auth.js'
import voicesRoutes from './routes/voices.js'
import usageRoutes from './routes/usage.js'
import ttsRoutes from './routes/tts.js'
import speakRoutes from './routes/speak.js'
import openaiRoutes from './routes/openai.js'
import twilioRoutes from './routes/twilio.js'
import callsRoutes from './routes/calls.js'
import numbersRoutes from './routes/numbers.js'
import keysRoutes from './routes/keys.js'
import keyUsageRoutes from './routes/key-usage.js'
import callEventsRoutes from './routes/call-events.js'
import consoleRoutes from './routes/console.js'
import lexiconRoutes from './routes/lexicon.js'

export interface AppDeps {
  /** A database the caller opened (tests); migrated, and left open when the app closes. */
  db?: Db
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: DestinationStream
  /** Clock for rate-limit windows (tests). */
  now?: () => number
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: createLogger(config.logLevel, deps.logStream) as FastifyBaseLogger,
    genReqId,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: trustProxyOption(config.trustProxy),
    forceCloseConnections: 'idle',
    // No limit over a whole plugin's start: every wait on something outside has a deadline of its
    // own that says what did not answer (the database's connect and first answer, Redis). Fastify's
    // default 10 s only failed slow starts that were working: a first start of the embedded
    // database (initdb, then PGlite's first load) on a small or busy machine, Piper models loading.
    pluginTimeout: 0,
    // Without a proxy in front, a client that never finishes its request must not hold a socket
    // for Node's defaults (60 s for headers, 5 min in all); checked every second.
    http: {
      headersTimeout: config.connections.headersTimeoutMs,
      requestTimeout: config.connections.requestTimeoutMs,
      connectionsCheckingInterval: 1000,
    },
    requestTimeout: config.connections.requestTimeoutMs,
    clientErrorHandler,
    return503OnClosing: false, // the errors plugin answers in our error shape instead
    // A URL the router cannot decode, or a path parameter over maxParamLength: Fastify's own
    // answers have another shape (and echo the path back), so these get ours.
    frameworkErrors: (err, request, reply) =>
      void sendError(request, reply, {
        status: 400,
        code: 'bad_request',
        message: err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long' : 'The URL is not valid',
      }),
    // Wrong types are an error, not something to coerce; unknown fields are refused where a
    // schema says additionalProperties: false.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  await app.register(errors, { bodyLimit: config.bodyLimitBytes })
  await app.register(connections, { config })
  await app.register(security, { config })
  await app.register(metrics)
  await app.register(store, { config, deps })
  await app.register(speech, { config })
  await app.register(auth, { config })
  await app.register(docs, { config })
  await app.register(telephony, { config })
  await app.register(lexicon)

  await app.register(healthRoutes)
  await app.register(metricsRoutes)
  await app.register(authRoutes)
  await app.register(voicesRoutes)
  await app.register(usageRoutes)
  await app.register(ttsRoutes, { config })
  await app.register(speakRoutes, { config })
  await app.register(openaiRoutes, { config })
  await app.register(twilioRoutes, { config })
  await app.register(callsRoutes, { config })
  await app.register(numbersRoutes, { config })
  await app.register(keysRoutes)
  await app.register(keyUsageRoutes)
  await app.register(callEventsRoutes)
  await app.register(consoleRoutes)
  await app.register(lexiconRoutes)

  try {
    await app.ready()
  } catch (err) {
    await app.close().catch(() => {}) // a half-started app must not leave workers or connections behind
    throw err
  }
  return app as unknown as FastifyInstance
}
