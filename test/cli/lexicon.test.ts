// npm run lexicon -- import FILE.pls: the file's entries stored, running instances told.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../src/cli/lexicon.js'
import { openDb } from '../../src/store/db.js'
import { LEXICON_CHANGED_CHANNEL, listEntries } from '../../src/store/lexicon.js'
import { openRedis } from '../../src/store/redis.js'
import { PubSub } from '../../src/store/pubsub.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'

// The CLI opens the configured database itself, so PGlite must live on disk, not in memory.
let tdb: TestDatabase | undefined
let dir: string
let env: Record<string, string | undefined>
const redisPrefix = `cwtest:${randomBytes(4).toString('hex')}:`

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-lexicon-'))
  env = { DATA_DIR: dir, REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: redisPrefix }
  if (process.env.DATABASE_URL) {
    tdb = await createTestDatabase()
    env.DATABASE_URL = tdb.url
  }
})
afterAll(async () => {
  await tdb?.drop()
  await rm(dir, { recursive: true, force: true })
})

async function run(argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env })
  return { code, out, err }
}

const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

describe('lexicon import', () => {
  it('stores every entry of a PLS file and tells the running instances', async () => {
    const redis = openRedis(process.env.REDIS_URL, redisPrefix)
    const heard: string[] = []
    const bus = redis && new PubSub(redis)
    bus?.subscribe(LEXICON_CHANGED_CHANNEL, (m) => heard.push(m))
    await bus?.ready()
    const pls = file('brands.pls', `<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" xml:lang="en-US">
  <lexeme><grapheme>Acme</grapheme><alias>Ack me</alias></lexeme>
  <lexeme><grapheme>Nguyen</grapheme><phoneme>ŋwɪn</phoneme></lexeme>
</lexicon>`)
    const { code, out } = await run(['import', pls])
    expect(code).toBe(0)
    expect(out).toEqual([`imported 2 entries from ${pls}`])
    const db = await openDb({ url: env.DATABASE_URL, dataDir: dir })
    try {
      expect(await listEntries(db)).toEqual([
        { language: 'en-us', grapheme: 'acme', alias: 'Ack me' },
        { language: 'en-us', grapheme: 'nguyen', phoneme: 'ŋwɪn' },
      ])
    } finally {
      await db.close()
    }
    if (bus) await expect.poll(() => heard).toEqual(['changed'])
    bus?.close()
    await redis?.close()
  })

  it('refuses a bad file, saying where, and stores nothing of it', async () => {
    const { code, err } = await run(['import', file('bad.pls', '<lexicon xml:lang="en">\n<lexeme><grapheme>x</grapheme></lexeme></lexicon>')])
    expect(code).toBe(1)
    expect(err[0]).toMatch(/bad\.pls: a lexeme needs an alias or a phoneme \(line 2/)
    expect((await run(['import', join(dir, 'missing.pls')])).code).toBe(1)
  })

  it('prints its usage for anything else', async () => {
    expect((await run(['export'])).code).toBe(2)
    expect((await run(['--help'])).out[0]).toMatch(/^usage: lexicon import/)
  })
})
