// Process entry: configuration → app → listen, and a graceful stop on SIGTERM/SIGINT.
import type { FastifyInstance } from 'fastify'
import { ConfigError, loadConfig, type Config } from './config.js'
import { buildApp } from './app.js'
import { startErrorMessage } from './start-errors.js'
import { MEDIA_PATH } from './routes/twilio.js'
import { streamUrl } from './telephony/signature.js'

function loadOrExit(): Config {
  try {
    return loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n`)
      process.exit(1)
    }
    throw err
  }
}

/** Printed once, on the first start: the key exists nowhere else in plain form. */
function announceKey(key: string, config: Config): void {
  const base = config.publicBaseUrl ?? `http://localhost:${config.port}`
  const offline = config.databaseFrom === 'DATA_DIR'
    ? [
        'With the service stopped (the embedded database in DATA_DIR admits one process at a time):',
        '  npm run keys -- -n 1 --scopes tts,calls --name-prefix "My key"',
        'In a container, stop it and run the same image on the same data volume:',
        '  docker run --rm -v DATA_VOLUME:/app/data IMAGE node dist/src/cli/keys.js -n 1 --scopes tts',
      ]
    : ['From the shell (also while the service runs; in Docker: docker compose exec tts node dist/src/cli/keys.js ...):',
        '  npm run keys -- -n 1 --scopes tts,calls --name-prefix "My key"']
  process.stdout.write(
    [
      '',
      'No API key existed, so one was created with every scope (tts, calls, admin). It is shown only this once:',
      '',
      `  ${key}`,
      '',
      'Try it:',
      `  curl -sS -X POST ${base}/v1/tts -H 'x-api-key: ${key}' -H 'content-type: application/json' \\`,
      `    -d '{"text":"Hello from CallWaiting.","voice_id":"slt"}' -o hello.wav`,
      '',
      'More keys, while the service runs, with this admin key. Scopes: tts (speech, voices, usage),',
      'calls (phone calls), admin (keys, numbers, voice reload):',
      `  curl -sS -X POST ${base}/v1/keys -H 'x-api-key: ${key}' -H 'content-type: application/json' \\`,
      `    -d '{"name":"My key","scopes":["tts"]}'`,
      ...offline,
      '',
    ].join('\n'),
  )
}

/** Once, at start-up: what Twilio must be given, or why calls are refused here. */
function announceTwilio(app: FastifyInstance, config: Config): void {
  const { accountSid, authToken } = config.twilio
  const base = config.publicBaseUrl
  const missing = [!accountSid && 'TWILIO_ACCOUNT_SID', !authToken && 'TWILIO_AUTH_TOKEN', !base && 'PUBLIC_BASE_URL'].filter(Boolean)
  if (!authToken || !base) {
    app.log.info({ twilio: 'not configured', missing }, `twilio is not configured: /twilio/* answers 503 and POST /v1/calls is refused; set ${missing.join(', ')} to take calls`)
    return
  }
  const webhooks = { voice: `${base}/twilio/voice`, status: `${base}/twilio/status`, media: streamUrl(base, MEDIA_PATH) }
  app.log.info({ twilio: 'configured', outbound: Boolean(accountSid), webhooks },
    `twilio is configured: give your number "A call comes in" POST ${webhooks.voice} and "Call status changes" POST ${webhooks.status}`)
  if (base.startsWith('http:')) {
    app.log.warn({ publicBaseUrl: base }, 'PUBLIC_BASE_URL is http:// on a loopback address: TwiML points media streams at ws://, which real Twilio refuses (local tests only)')
  }
}

/**
 * A start-up failure the operator can act on (a bad setting, the port taken, the database
 * unreachable, the data directory in use) is one line on stderr; anything else is a bug and keeps
 * its stack. Whatever was started is closed first (workers, the data-directory lock), then exit 1.
 */
async function cannotStart(err: unknown, app?: FastifyInstance): Promise<never> {
  const why = startErrorMessage(err, config) ?? ((err as Error).stack ?? String(err))
  process.stderr.write(`cannot start: ${why}\n`)
  await app?.close().catch(() => {})
  process.exit(1)
}

const config = loadOrExit()
const app = await buildApp(config).catch((err: unknown) => cannotStart(err))
if (app.bootstrapKey) announceKey(app.bootstrapKey, config)
await app.listen({ port: config.port, host: config.host }).catch((err: unknown) => cannotStart(err, app))
app.log.info({ environment: config.environment, database: app.db.kind }, 'started')
announceTwilio(app, config)

let stopping = false
async function stop(signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  app.log.info({ signal }, 'shutting down')
  // In-flight requests get drainTimeoutMs to finish; after that the process goes anyway.
  const force = setTimeout(() => {
    app.log.warn('drain timeout reached; exiting with requests still open')
    process.exit(1)
  }, config.drainTimeoutMs + 5000)
  force.unref()
  try {
    await app.close()
    process.exit(0)
  } catch (err) {
    app.log.error({ err }, 'error while shutting down')
    process.exit(1)
  }
}
// SIGHUP: rescan MODELS_DIR for Piper voices, as POST /v1/voices/reload does.
process.on('SIGHUP', () => {
  app.reloadVoices().catch((err: Error) => app.log.error({ err: { message: err.message } }, 'voice reload failed'))
})
process.on('SIGTERM', () => void stop('SIGTERM'))
process.on('SIGINT', () => void stop('SIGINT'))
