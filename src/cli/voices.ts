// Piper voices from their catalog, on the user's command:
//   npm run voices -- list [--language en] [--quality medium]
//   npm run voices -- add en_US-lessac-medium [more…]
//   npm run voices -- remove en_US-lessac-medium
// After a change, a running service is told to reload (with an admin key in CALLWAITING_ADMIN_KEY
// or --key), or the command says how to make it.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError } from '../config.js'
import { loadVoicesCliConfig, type VoicesCliConfig } from './voices-config.js'
import { VoicesError, fetchCatalog, findVoice, installVoice, isInstalled, voiceFiles, type Catalog, type FetchOptions } from './piper-catalog.js'

const USAGE = `usage: npm run voices -- list [--language CODE] [--quality x_low|low|medium|high]
       npm run voices -- add NAME [NAME…]       (a catalog key such as en_US-lessac-medium, or an alias)
       npm run voices -- remove NAME [NAME…]
options: --key ADMIN_KEY (or CALLWAITING_ADMIN_KEY), --url SERVICE_URL (or CALLWAITING_URL), --timeout SECONDS
catalog: PIPER_VOICES_URL (default the piper-voices repository); voices go to MODELS_DIR (default ./models)`

class UsageError extends Error {}

function options(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      language: { type: 'string' },
      quality: { type: 'string' },
      key: { type: 'string' },
      url: { type: 'string' },
      timeout: { type: 'string', default: '30' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const timeout = Number(values.timeout)
  if (!(timeout > 0 && timeout <= 3600)) throw new UsageError('--timeout must be a number of seconds from 0 to 3600')
  const [command, ...names] = positionals
  return { ...values, timeout, command, names }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`

function list(catalog: Catalog, config: VoicesCliConfig, language?: string, quality?: string): void {
  const wanted = Object.values(catalog)
    .filter((v) => !language || v.language.code.toLowerCase().startsWith(language.toLowerCase()) || v.language.family === language)
    .filter((v) => !quality || v.quality === quality)
    .sort((a, b) => a.key.localeCompare(b.key))
  for (const v of wanted) {
    const size = v.files[voiceFiles(v).onnx].size_bytes
    const mark = isInstalled(config.modelsDir, v.key) ? '*' : ' '
    const speakers = v.num_speakers > 1 ? `${v.num_speakers} speakers` : '1 speaker'
    console.log(`${mark} ${v.key.padEnd(32)} ${v.language.code.padEnd(6)} ${v.quality.padEnd(7)} ${speakers.padEnd(12)} ${mb(size).padStart(9)}  ${v.language.name_english}`)
  }
  console.log(`${wanted.length} voices (* installed in ${config.modelsDir})`)
}

/** A bar redrawn in place on a terminal; on anything else, nothing until the file is done. */
function progress(): FetchOptions['onProgress'] {
  if (!process.stderr.isTTY) return undefined
  let last = 0
  return (file, done, total) => {
    const now = Date.now()
    if (now - last < 100 && done < total) return
    last = now
    const width = 30
    const filled = Math.round((width * done) / total)
    process.stderr.write(`\r  [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${String(Math.floor((100 * done) / total)).padStart(3)}% ${mb(done)} / ${mb(total)} ${file}${done >= total ? '\n' : ''}`)
  }
}

async function add(catalog: Catalog, config: VoicesCliConfig, names: string[], timeout: number): Promise<boolean> {
  let changed = false
  for (const name of names) {
    const voice = findVoice(catalog, name)
    if (!voice) throw new VoicesError(`no voice "${name}" in the catalog; npm run voices -- list shows them`)
    if (isInstalled(config.modelsDir, voice.key)) {
      console.log(`${voice.key} is already installed in ${config.modelsDir}`)
      continue
    }
    console.log(`${voice.key}: downloading ${mb(voice.files[voiceFiles(voice).onnx].size_bytes)} from ${config.catalogUrl}`)
    await installVoice(config.catalogUrl, voice, config.modelsDir, { idleTimeoutS: timeout, onProgress: progress() })
    console.log(`${voice.key}: installed in ${config.modelsDir} (size and MD5 checked)`)
    changed = true
  }
  return changed
}

function remove(catalog: Catalog | null, config: VoicesCliConfig, names: string[]): boolean {
  let changed = false
  for (const name of names) {
    const key = isInstalled(config.modelsDir, name) ? name : catalog && findVoice(catalog, name)?.key
    if (!key || !isInstalled(config.modelsDir, key)) throw new VoicesError(`"${name}" is not installed in ${config.modelsDir}`)
    // The model first: what a reload in between sees is a config alone, which it skips.
    for (const file of [`${key}.onnx`, `${key}.onnx.json`]) rmSync(join(config.modelsDir, file))
    console.log(`${key}: removed from ${config.modelsDir}`)
    changed = true
  }
  return changed
}

const HOW_TO_RELOAD = 'restart the service, send it SIGHUP, or POST /v1/voices/reload with an admin key (give one in CALLWAITING_ADMIN_KEY or --key and this command does it)'

/** Tells the running service to rescan MODELS_DIR, or says how to. */
async function reload(serviceUrl: string, key: string | undefined): Promise<void> {
  if (!key) return void console.log(`To use the change now: ${HOW_TO_RELOAD}.`)
  let res: Response
  try {
    res = await fetch(`${serviceUrl}/v1/voices/reload`, { method: 'POST', headers: { 'x-api-key': key }, signal: AbortSignal.timeout(60_000) })
  } catch {
    return void console.log(`No service answered at ${serviceUrl}: it will load the voices when it starts.`)
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null
    return void console.log(`The service at ${serviceUrl} refused the reload (HTTP ${res.status}: ${body?.error?.message ?? 'no reason given'}). Otherwise: ${HOW_TO_RELOAD}.`)
  }
  const report = (await res.json()) as { piper: { voices: { id: string }[]; skipped: { file: string; reason: string }[] } }
  console.log(`The service at ${serviceUrl} reloaded: Piper voices ${report.piper.voices.map((v) => v.id).join(', ') || 'none'}.`)
  for (const s of report.piper.skipped) console.log(`  skipped ${s.file}: ${s.reason}`)
}

async function main(argv: string[]): Promise<void> {
  const opts = options(argv)
  if (opts.help) return void console.log(USAGE)
  const config = loadVoicesCliConfig()
  const fetchOpts = { idleTimeoutS: opts.timeout }
  let changed: boolean
  if (opts.command === 'list') {
    return list(await fetchCatalog(config.catalogUrl, fetchOpts), config, opts.language, opts.quality)
  } else if (opts.command === 'add') {
    if (opts.names.length === 0) throw new UsageError('add: name at least one voice')
    changed = await add(await fetchCatalog(config.catalogUrl, fetchOpts), config, opts.names, opts.timeout)
  } else if (opts.command === 'remove') {
    if (opts.names.length === 0) throw new UsageError('remove: name at least one voice')
    // An alias needs the catalog; a voice's own key does not.
    const needCatalog = opts.names.some((n) => !isInstalled(config.modelsDir, n))
    changed = remove(needCatalog ? await fetchCatalog(config.catalogUrl, fetchOpts) : null, config, opts.names)
  } else {
    throw new UsageError(opts.command ? `unknown command "${opts.command}"` : 'no command')
  }
  if (changed) await reload(opts.url?.replace(/\/+$/, '') ?? config.serviceUrl, opts.key ?? config.adminKey)
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  const known = usage || err instanceof VoicesError || err instanceof ConfigError
  console.error(`voices: ${known ? (err as Error).message : `failed: ${(err as Error).stack ?? String(err)}`}`)
  if (usage) console.error(USAGE)
  process.exitCode = usage ? 2 : 1
})
