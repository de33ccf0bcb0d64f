// Process entry: configuration → app → listen, and a graceful stop on SIGTERM/SIGINT.
import type { FastifyInstance } from 'fastify'
import { ConfigError, loadConfig, type Config } from './config.js'
import { buildApp } from './app.js'
import { DatabaseUnavailableError } from './store/db.js'
import { DataDirInUseError } from './store/data-lock.js'

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
  process.stdout.write(
    [
      '',
      'No API key existed, so one was created with every scope. It is shown only this once:',
      '',
      `  ${key}`,
      '',
      'Try it:',
      `  curl -sS -X POST ${base}/v1/tts -H 'x-api-key: ${key}' -H 'content-type: application/json' \\`,
      `    -d '{"text":"Hello from CallWaiting.","voice_id":"slt"}' -o hello.wav`,
      '',
      'More keys: npm run keys -- -n 1 --name-prefix "My key"',
      '',
    ].join('\n'),
  )
}

const LISTEN_CODES = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL'])

/**
 * A start-up failure the operator can act on (the port taken, the database unreachable, the data
 * directory in use) is one line on stderr; anything else is a bug and keeps its stack. Whatever
 * was started is closed first (workers, the data-directory lock), then the process exits 1.
 */
async function cannotStart(err: unknown, app?: FastifyInstance): Promise<never> {
  const code = (err as NodeJS.ErrnoException).code ?? ''
  const why = LISTEN_CODES.has(code)
    ? `cannot listen on ${config.host}:${config.port} (${code === 'EADDRINUSE' ? 'another process has the port' : code}); CHATTERBOX_PORT (or PORT) and HOST say where`
    : err instanceof DatabaseUnavailableError || err instanceof DataDirInUseError
      ? err.message
      : ((err as Error).stack ?? String(err))
  process.stderr.write(`cannot start: ${why}\n`)
  await app?.close().catch(() => {})
  process.exit(1)
}

const config = loadOrExit()
const app = await buildApp(config).catch((err: unknown) => cannotStart(err))
if (app.bootstrapKey) announceKey(app.bootstrapKey, config)
await app.listen({ port: config.port, host: config.host }).catch((err: unknown) => cannotStart(err, app))

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
