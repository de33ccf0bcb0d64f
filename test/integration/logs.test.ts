// No API key reaches the logs, whichever way it was sent and whatever happened to the request.
import { writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashKey, revokeKey } from '../../src/store/keys.js'
import { post, startApp, type TestApp } from '../helpers/app.js'

let t: TestApp
/** Made before the outage and never used, so not in the key cache when the database goes. */
let unused: string

beforeAll(async () => {
  t = await startApp({ logLevel: 'trace' })
  unused = await t.key()
})
afterAll(() => t?.close())

describe('logs', () => {
  it('never contain a key that was used', async () => {
    const key = await t.key()
    const revoked = await t.key()
    await revokeKey(t.app.db, revoked)
    const unknown = 'cw_live_' + 'Q'.repeat(42) + 'E'
    for (const k of [key, revoked, unknown]) {
      await fetch(`${t.url}/v1/auth/verify`, { headers: { 'x-api-key': k } })
      await fetch(`${t.url}/v1/auth/verify`, { headers: { authorization: `Bearer ${k}` } })
      await fetch(`${t.url}/v1/auth/verify?api_key=${k}&token=${k}`)
      await fetch(`${t.url}/nowhere?key=${k}`, { headers: { 'x-api-key': k } })
      await (await post(t.url, '/v1/tts', { text: 'Log test.', voice_id: 'kal' }, { 'x-api-key': k })).arrayBuffer()
      await post(t.url, '/v1/tts', '{bad json', { 'x-api-key': k })
      await fetch(`${t.url}/v1/audio/speech`, { method: 'POST', headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'x', input: 'y', voice: 'alloy', response_format: 'opus' }) })
    }
    // A database outage: errors are logged, the key still is not.
    t.database.down = true
    expect((await fetch(`${t.url}/v1/auth/verify`, { headers: { 'x-api-key': unused } })).status).toBe(503)
    t.database.down = false
    await t.app.usage.flush()

    const all = t.logs.join('')
    if (process.env.SHOW_LOGS) writeFileSync(process.env.SHOW_LOGS, all)
    expect(t.logs.length).toBeGreaterThan(20)
    expect(all).toContain('"request_id"')
    for (const k of [key, revoked, unknown, unused]) {
      expect(all).not.toContain(k)
      expect(all).not.toContain(k.slice(8)) // the secret part alone
      expect(all).not.toContain(hashKey(k))
    }
  })
})
