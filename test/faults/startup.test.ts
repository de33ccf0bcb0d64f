// The real process (`node --import tsx src/main.ts`) when it cannot start for a reason its operator
// can fix: the port taken, the database unreachable, the data directory held by a running service.
// Each is one line on stderr naming the cause (no stack trace) and exit code 1, and what was started
// before the failure is let go: a second try on the same data directory is not refused.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../helpers/fault-net.js'
import { spawnService, type Service } from '../helpers/fault-service.js'

let dataDir: string
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cw-startup-'))
})
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

/** The start-up failure's stderr, from spawnService's error (which quotes it after "stderr:"). */
async function failedStart(env: Record<string, string>): Promise<string> {
  const err = await spawnService({ env }).then(
    (svc) => svc.kill().then(() => expect.fail('the service started')),
    (e: Error) => e,
  )
  expect(err.message).toMatch(/exited during start-up \(code 1,/)
  const stderr = err.message.slice(err.message.indexOf('stderr:\n') + 'stderr:\n'.length)
  expect(stderr).not.toMatch(/^\s+at /m) // no stack trace
  return stderr.trim()
}

describe('a service that cannot start', () => {
  it('says the port is taken, and lets go of its data directory', async () => {
    const taken: Server = createServer()
    const port = await freePort()
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve))
    try {
      expect(await failedStart({ PORT: String(port), DATA_DIR: dataDir })).toBe(
        `cannot start: cannot listen on 127.0.0.1:${port} (another process has the port); CHATTERBOX_PORT (or PORT) and HOST say where`,
      )
      expect(existsSync(join(dataDir, 'pgdata.lock'))).toBe(false)
    } finally {
      taken.close()
    }
  })

  it('says the database cannot be reached', async () => {
    const port = await freePort()
    expect(await failedStart({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/nowhere` })).toBe(
      `cannot start: database unavailable: connect ECONNREFUSED 127.0.0.1:${port}`,
    )
  })

  it('says which process holds the data directory', async () => {
    let first: Service | undefined
    try {
      first = await spawnService({ env: { DATA_DIR: dataDir } })
      expect(await failedStart({ DATA_DIR: dataDir })).toMatch(
        new RegExp(`^cannot start: the embedded database in ${dataDir} is in use by process ${first.pid} .*POST /v1/keys`),
      )
    } finally {
      await first?.kill()
    }
  })
})
