// Process entry: configuration → app → listen, and a graceful stop on SIGTERM/SIGINT.
import { ConfigError, loadConfig, type Config } from './config.js'
import { buildApp } from './app.js'

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

const config = loadOrExit()
const app = await buildApp(config)
if (app.bootstrapKey) announceKey(app.bootstrapKey, config)
await app.listen({ port: config.port, host: config.host })

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
