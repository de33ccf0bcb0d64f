// The pronunciation lexicon from the shell:
//   npm run lexicon -- import FILE.pls [--language TAG]   (W3C PLS 1.0; TAG overrides its xml:lang)
// Every entry of the file is stored (replacing one for the same word), in one transaction, and the
// running instances are told over Redis to read the lexicon again.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { loadConfig, ConfigError, type Config } from '../config.js'
import { openDb } from '../store/db.js'
import { migrate } from '../store/migrate.js'
import { startErrorMessage } from '../start-errors.js'
import { LEXICON_CHANGED_CHANNEL, putEntry } from '../store/lexicon.js'
import { openRedis } from '../store/redis.js'
import { PubSub } from '../store/pubsub.js'
import { readPls } from '../speech/pls.js'
import { LexiconInputError } from '../speech/lexicon.js'
import { SsmlError } from '../speech/ssml/parse.js'
import type { CliIo } from './keys.js'

const USAGE = 'usage: lexicon import FILE.pls [--language TAG]'

/** Runs the command; resolves with the process exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let file: string
  let language: string | undefined
  let config: Config
  try {
    const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { language: { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
    if (values.help) {
      io.stdout(USAGE)
      return 0
    }
    if (positionals[0] !== 'import' || positionals.length !== 2) throw new Error(USAGE)
    file = positionals[1]
    language = values.language
    config = loadConfig(io.env)
  } catch (err) {
    io.stderr(`lexicon: ${err instanceof ConfigError ? err.message : (err as Error).message}`)
    return 2
  }
  let entries
  try {
    entries = readPls(readFileSync(file, 'utf8'), language)
  } catch (err) {
    if (!(err instanceof SsmlError || err instanceof LexiconInputError || (err as NodeJS.ErrnoException).code)) throw err
    io.stderr(`lexicon: ${file}: ${(err as Error).message}`)
    return 1
  }
  try {
    const db = await openDb({ url: config.databaseUrl, dataDir: config.dataDir })
    try {
      await migrate(db)
      await db.transaction(async (tx) => {
        for (const e of entries) await putEntry(tx, e)
      })
    } finally {
      await db.close()
    }
  } catch (err) {
    io.stderr(`lexicon: ${startErrorMessage(err, config) ?? (err instanceof Error ? err.message : String(err))}`)
    return 1
  }
  io.stdout(`imported ${entries.length} entries from ${file}`)
  await broadcast(config, io)
  return 0
}

async function broadcast(config: Config, io: CliIo): Promise<void> {
  const redis = openRedis(config.redisUrl, config.redisKeyPrefix)
  if (!redis) return
  try {
    const reached = (await redis.ready(2000)) && (await new PubSub(redis).publish(LEXICON_CHANGED_CHANNEL, 'changed')) === 'redis'
    if (!reached) io.stderr('lexicon: Redis did not answer; running instances read the lexicon again at their next start or Redis reconnect')
  } finally {
    await redis.close()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: CliIo = { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`), env: process.env }
  main(process.argv.slice(2), io).then(
    (code) => void (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`lexicon: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exitCode = 1
    },
  )
}
