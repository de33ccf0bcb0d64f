// What the Dockerfiles' runtime stage holds, laid out as it is there and run the way it runs there:
// package.json, the production node_modules, the compiled dist/src/, schema/ and the console's web/, no src/ and no tsx
// loader (no Docker engine here: the layout is made in a temporary directory). The service starts
// with CMD's `node dist/src/main.js` (migrations found, workers started, audio made), and the
// command-line tools the docs name for a container run from the same place.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, spawnService } from '../helpers/fault-service.js'

let app: string
beforeAll(() => {
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, encoding: 'utf8' })
  expect(build.status, build.stdout + build.stderr).toBe(0)
  app = mkdtempSync(join(tmpdir(), 'cw-image-'))
  cpSync(join(ROOT, 'package.json'), join(app, 'package.json'))
  cpSync(join(ROOT, 'dist', 'src'), join(app, 'dist', 'src'), { recursive: true })
  cpSync(join(ROOT, 'schema'), join(app, 'schema'), { recursive: true })
  cpSync(join(ROOT, 'web'), join(app, 'web'), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'), 'dir')
}, 300_000)
afterAll(() => rmSync(app, { recursive: true, force: true }))

/** A tool as a container runs it: `node dist/src/cli/NAME.js ARGS`, on the embedded database. */
function tool(name: string, args: string[]) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', DATA_DIR: join(app, 'data') }
  return spawnSync(process.execPath, [join('dist', 'src', 'cli', `${name}.js`), ...args], { cwd: app, env, encoding: 'utf8', timeout: 120_000 })
}

describe('the image\'s runtime layout', () => {
  it('starts the service with `node dist/src/main.js`, speaks, and names the container\'s keys command', async () => {
    const svc = await spawnService({ entry: { cwd: app, script: join('dist', 'src', 'main.js') }, env: { DATA_DIR: join(app, 'data') }, readyTimeoutMs: 120_000 })
    try {
      const key = svc.text.map((t) => /^ {2}(cw_live_\S+)$/.exec(t)?.[1]).find(Boolean)!
      expect(key).toBeTruthy()
      expect(svc.text.join('\n')).toContain('docker run --rm -v DATA_VOLUME:/app/data IMAGE node dist/src/cli/keys.js -n 1 --scopes tts')
      const res = await fetch(`${svc.url}/v1/tts`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Hello from the image.', voice_id: 'slt', format: 'wav' }),
      })
      expect(res.status).toBe(200)
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(10_000)
      expect((await fetch(`${svc.url}/console`)).status).toBe(200)
    } finally {
      // SIGTERM: the graceful stop lets go of the data directory for the keys command below.
      svc.proc.kill('SIGTERM')
      await svc.exited
    }
  }, 300_000)

  it('makes a key with `node dist/src/cli/keys.js` on the stopped service\'s data', () => {
    const run = tool('keys', ['-n', '1', '--scopes', 'tts', '--name-prefix', 'Image key'])
    expect(run.status, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/^Store these keys now/)
    expect(run.stdout).toMatch(/^Image key 1\t\S+\tcw_live_\S+\n$/)
  }, 120_000)

  it('runs the voices and say tools from dist/', () => {
    const voices = tool('voices', [])
    expect(voices.status).toBe(2)
    expect(voices.stderr).toMatch(/^voices: .*\nusage: npm run voices -- list/)
    const say = tool('say', ['--show-text', 'Call 911.'])
    expect(say.stderr).toBe('')
    expect(say.status).toBe(0)
    expect(say.stdout).toBe('1\tCall nine one one.\n')
  }, 120_000)
})
