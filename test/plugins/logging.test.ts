// The log format follows where stdout goes: a terminal gets readable lines, anything else JSON.
// The terminal is a real pseudo-terminal, made by util-linux's `script`.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const script = join(mkdtempSync(join(tmpdir(), 'logging-')), 'log-one.ts')
writeFileSync(
  script,
  `import { createLogger } from ${JSON.stringify(resolve('src/plugins/logging.ts'))}
createLogger('info').info({ headers: { 'x-api-key': 'cw_live_secret' }, voice: 'slt' }, 'speech ready')
`,
)
const node = `node --import tsx ${script}`

const hasScript = spawnSync('script', ['--version']).status === 0

function run(command: string): string {
  const out = spawnSync('sh', ['-c', command], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } })
  expect(out.status, out.stderr).toBe(0)
  return out.stdout
}

describe('createLogger', () => {
  it('writes one JSON object per line when stdout is not a terminal', () => {
    const lines = run(`${node} | cat`).trim().split('\n')
    expect(lines).toHaveLength(1)
    const entry = JSON.parse(lines[0])
    expect(entry).toMatchObject({ level: 30, msg: 'speech ready', voice: 'slt' })
    expect(entry.headers['x-api-key']).toBe('[redacted]')
  })

  it.skipIf(!hasScript)('writes readable lines, still redacted, when stdout is a terminal', () => {
    // Colours, where the terminal takes them, are not what is tested.
    const out = run(`script -qec "${node}" /dev/null`).replace(/\x1b\[[0-9;]*m/g, '')
    expect(out).toMatch(/\d\d:\d\d:\d\d\.\d{3}\] INFO: speech ready/)
    expect(out).toMatch(/voice: "slt"/)
    expect(out).not.toMatch(/^\{/m)
    expect(out).not.toContain('cw_live_secret')
  })
})
