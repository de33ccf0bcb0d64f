// npm run voices against a local piper-voices stand-in: listing, adding by key or alias, removing,
// telling a running service to reload; and every way a download goes wrong ends with a clear
// message and no voice, whole or partial, in MODELS_DIR.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { findModels } from '../../src/speech/piper/discover.js'
import { startVoicesServer, type VoicesServer } from '../helpers/piper-voices-server.js'
import { startApp, type TestApp } from '../helpers/app.js'

const KEY = 'en_US-test-medium'
const ONNX = `${KEY}.onnx`
const JSON_FILE = `${KEY}.onnx.json`

let server: VoicesServer
let dir: string

beforeAll(async () => {
  server = await startVoicesServer([
    { key: KEY, language: { code: 'en_US', family: 'en', region: 'US', name_english: 'English' }, quality: 'medium' },
    { key: 'de_DE-other-low', language: { code: 'de_DE', family: 'de', region: 'DE', name_english: 'German' }, quality: 'low', speakers: 2 },
  ])
})
afterAll(() => server?.close())

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cw-voices-'))
  server.requests.length = 0
  for (const file of [ONNX, JSON_FILE]) server.behave(file, 'ok')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

/** The CLI in its own process (async: the stand-in server runs in this one). */
function voices(args: string[], env: Record<string, string> = {}, { tty = false } = {}): Promise<Run> {
  const command = [process.execPath, '--import', 'tsx', 'src/cli/voices.ts', ...args]
  return new Promise((resolve) => {
    // On a terminal: a real pseudo-terminal, made by util-linux's `script`.
    const [file, ...argv] = tty ? ['script', '-qec', command.join(' '), '/dev/null'] : command
    const child = spawn(file, argv, {
      env: { PATH: process.env.PATH ?? '', MODELS_DIR: dir, PIPER_VOICES_URL: server.base, CHATTERBOX_PORT: '1', ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex')

/** Nothing the service would take for a voice, or for a broken one, is in MODELS_DIR. */
function expectNoVoice(): void {
  const found = findModels(dir)
  expect(found.models).toEqual([])
  expect(found.skipped).toEqual([])
  expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual([])
}

describe('npm run voices -- list', () => {
  it('lists the catalog, filtered by language and quality, and marks what is installed', async () => {
    const all = await voices(['list'])
    expect(all.status, all.stderr).toBe(0)
    expect(all.stdout).toMatch(new RegExp(`^  ${KEY} +en_US +medium +1 speaker .* English$`, 'm'))
    expect(all.stdout).toMatch(/^ {2}de_DE-other-low +de_DE +low +2 speakers .* German$/m)
    const german = await voices(['list', '--language', 'de'])
    expect(german.stdout).not.toContain(KEY)
    expect(german.stdout).toContain('1 voices')
    const medium = await voices(['list', '--quality', 'medium'])
    expect(medium.stdout).not.toContain('de_DE-other-low')
    await voices(['add', KEY])
    expect((await voices(['list'])).stdout).toMatch(new RegExp(`^\\* ${KEY} `, 'm'))
  })
})

describe('npm run voices -- add', () => {
  it('installs the model and its config (not the model card) by alias, checked, and says how to load it', async () => {
    const run = await voices(['add', 'en-us-test-medium'])
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toContain(`${KEY}: installed in ${dir}`)
    expect(run.stdout).toContain('SIGHUP')
    expect(md5(readFileSync(join(dir, ONNX)))).toBe(md5(server.files.get(ONNX)!))
    expect(md5(readFileSync(join(dir, JSON_FILE)))).toBe(md5(server.files.get(JSON_FILE)!))
    expect(readdirSync(dir).sort()).toEqual([ONNX, JSON_FILE])
    expect(server.requests.map((r) => r.path)).not.toContain(expect.stringContaining('MODEL_CARD'))
    expect(findModels(dir).models.map((m) => m.name)).toEqual([KEY])
    const again = await voices(['add', KEY])
    expect(again.stdout).toContain('already installed')
  })

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('draws a progress bar on a terminal, and none otherwise', async () => {
    const run = await voices(['add', KEY], {}, { tty: true })
    expect(run.status, run.stdout).toBe(0)
    expect(run.stdout).toMatch(new RegExp(`\\[#{30}\\] 100% [0-9.]+ MB / [0-9.]+ MB ${ONNX}`))
    rmSync(join(dir, ONNX))
    const piped = await voices(['add', KEY])
    expect(piped.stdout + piped.stderr).not.toContain('#')
  })

  it('refuses a name the catalog does not have, and bad usage', async () => {
    const unknown = await voices(['add', 'xx_XX-nobody-high'])
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toContain('no voice "xx_XX-nobody-high" in the catalog')
    const none = await voices(['add'])
    expect(none.status).toBe(2)
    expect(none.stderr).toContain('usage:')
    expect((await voices(['fetch'])).stderr).toContain('unknown command "fetch"')
    const badUrl = await voices(['list'], { PIPER_VOICES_URL: 'ftp://mirror' })
    expect(badUrl.status).toBe(1)
    expect(badUrl.stderr).toContain('PIPER_VOICES_URL must start with')
  })

  it.each([
    ['a file whose MD5 differs', 'corrupt', /MD5 [0-9a-f]{32} where the catalog says/],
    ['a file shorter than the catalog says', 'short', /bytes where the catalog says/],
    ['a file longer than the catalog says', 'long', /bytes where the catalog says/],
    ['a 404', '404', /HTTP 404/],
  ] as const)('stops at %s with a clear message and no voice installed', async (_name, how, message) => {
    server.behave(ONNX, how)
    const run = await voices(['add', KEY])
    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(message)
    expect(run.stderr).not.toMatch(/\n\s+at /) // no stack trace
    expectNoVoice()
    // A file that came whole but wrong is not kept to be "resumed".
    if (how !== '404') expect(existsSync(join(dir, '.downloads', `${ONNX}.part`))).toBe(false)
  })

  it('gives up on a server that stops sending, and resumes the partial file next time', async () => {
    server.behave(ONNX, 'stall')
    const stalled = await voices(['add', KEY, '--timeout', '1'])
    expect(stalled.status).toBe(1)
    expect(stalled.stderr).toContain('no data from the server for 1 s')
    expectNoVoice()
    server.behave(ONNX, 'ok')
    const resumed = await voices(['add', KEY])
    expect(resumed.status, resumed.stderr).toBe(0)
    expect(server.requests.filter((r) => r.path.endsWith(ONNX)).at(-1)!.range).toBe('bytes=100-')
    expect(md5(readFileSync(join(dir, ONNX)))).toBe(md5(server.files.get(ONNX)!))
    expect(readdirSync(dir).sort()).toEqual([ONNX, JSON_FILE])
  })

  it('resumes after a connection cut halfway, asking only for the rest', async () => {
    server.behave(ONNX, 'cut')
    const cut = await voices(['add', KEY])
    expect(cut.status).toBe(1)
    expect(cut.stderr).toMatch(/run the command again to resume/)
    expectNoVoice()
    server.behave(ONNX, 'ok')
    const resumed = await voices(['add', KEY])
    expect(resumed.status, resumed.stderr).toBe(0)
    const half = server.files.get(ONNX)!.length >> 1
    expect(server.requests.filter((r) => r.path.endsWith(ONNX)).at(-1)!.range).toBe(`bytes=${half}-`)
    expect(md5(readFileSync(join(dir, ONNX)))).toBe(md5(server.files.get(ONNX)!))
  })

  it('stops on a full disk with a clear message and no voice installed', async () => {
    // The kernel's own ENOSPC: the model's download file is /dev/full.
    mkdirSync(join(dir, '.downloads'))
    symlinkSync('/dev/full', join(dir, '.downloads', `${ONNX}.part`))
    const run = await voices(['add', KEY])
    expect(run.status).toBe(1)
    expect(run.stderr).toContain('the disk is full (ENOSPC)')
    expectNoVoice()
    expect(lstatSync(join(dir, '.downloads', `${ONNX}.part`), { throwIfNoEntry: false })).toBeUndefined()
  })
})

describe('with a running service', () => {
  let t: TestApp
  let admin: string
  beforeAll(async () => {
    t = await startApp({ modelsDir: mkdtempSync(join(tmpdir(), 'cw-voices-service-')) })
    admin = await t.key({ scopes: ['admin'] })
  })
  afterAll(async () => {
    await t?.close()
    rmSync(t.config.modelsDir, { recursive: true, force: true })
  })

  const listed = async () => {
    const res = await fetch(`${t.url}/v1/voices`, { headers: { 'x-api-key': await t.key() } })
    return ((await res.json()) as { voices: { slug: string }[] }).voices.map((v) => v.slug)
  }

  it('add and remove tell it to reload, and it speaks with the voice in between', async () => {
    const env = { MODELS_DIR: t.config.modelsDir, CALLWAITING_URL: t.url, CALLWAITING_ADMIN_KEY: admin }
    const added = await voices(['add', KEY], env)
    expect(added.status, added.stderr).toBe(0)
    expect(added.stdout).toContain(`The service at ${t.url} reloaded: Piper voices piper-en-us-test-medium.`)
    expect(await listed()).toContain('piper-en-us-test-medium')
    const removed = await voices(['remove', 'en-us-test-medium'], env)
    expect(removed.status, removed.stderr).toBe(0)
    expect(removed.stdout).toContain(`${KEY}: removed`)
    expect(removed.stdout).toContain('reloaded: Piper voices none.')
    expect(await listed()).not.toContain('piper-en-us-test-medium')
  })

  it('says so when the key is refused, or no service answers', async () => {
    const refused = await voices(['add', KEY], { MODELS_DIR: t.config.modelsDir, CALLWAITING_URL: t.url, CALLWAITING_ADMIN_KEY: await t.key() })
    expect(refused.status, refused.stderr).toBe(0)
    expect(refused.stdout).toMatch(/refused the reload \(HTTP 403/)
    const away = await voices(['remove', KEY, '--key', admin, '--url', 'http://127.0.0.1:1'], { MODELS_DIR: t.config.modelsDir })
    expect(away.status, away.stderr).toBe(0)
    expect(away.stdout).toContain('No service answered at http://127.0.0.1:1')
  })
})
