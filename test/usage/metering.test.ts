// Metering as a bill: characters taken from a key's monthly quota (a real LeasedLimiter over the
// in-memory Limiter), given back when nothing was heard, and written once as a usage row (a real
// UsageRecorder on a test database), keyed by the request id the logs show.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { ApiError } from '../../src/errors.js'
import { Limiter } from '../../src/store/limits.js'
import { LeasedLimiter } from '../../src/store/leases.js'
import { UsageRecorder } from '../../src/store/usage-writer.js'
import { createKey, type ApiKey } from '../../src/store/keys.js'
import { Metering, charactersBucket, countCharacters } from '../../src/usage/metering.js'
import type { Db } from '../../src/store/db.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'

let tdb: TestDatabase
let db: Db
let recorder: UsageRecorder
beforeAll(async () => {
  tdb = await createTestDatabase()
  db = await tdb.openMigrated()
  recorder = new UsageRecorder(db, { intervalMs: 10 })
})
afterAll(async () => {
  await recorder.close()
  await tdb.drop()
})

async function setup(monthlyCharLimit = 100) {
  const { row: key } = await createKey(db, { name: 'metering test', monthlyCharLimit })
  const leased = new LeasedLimiter(new Limiter(null))
  const refused: number[] = []
  const metering = new Metering(leased, recorder, (hit) => {
    refused.push(hit.remaining)
    return new ApiError('quota_exceeded', 'quota used up')
  })
  const open = (endpoint = '/v1/tts') => {
    const requestId = randomUUID()
    return { requestId, bill: metering.open({ requestId, key, endpoint }) }
  }
  return { key, leased, refused, open, used: () => leased.used(charactersBucket(key.id), 'month') }
}

async function rowOf(requestId: string) {
  await recorder.flush()
  const rows = await db.query<Record<string, unknown>>('SELECT * FROM usage WHERE request_id = $1', [requestId])
  expect(rows).toHaveLength(1)
  return rows[0]
}

describe('Metering', () => {
  it('counts characters as a person does: a character outside the BMP is one', () => {
    expect(countCharacters('hello')).toBe(5)
    expect(countCharacters('👋 hi')).toBe(4)
    expect(countCharacters('é')).toBe(1)
    expect(countCharacters('')).toBe(0)
  })

  it('charges the quota and writes one usage row with what the request was', async () => {
    const { key, open, used } = await setup()
    const { requestId, bill } = open('/v1/audio/speech')
    await bill.charge('Hello there 👋')
    bill.voice = 'slt'
    bill.format = 'mp3'
    bill.firstAudio(42)
    bill.firstAudio(99) // only the first counts
    bill.addAudio(500)
    bill.addAudio(250)
    bill.record(200, 300)
    bill.record(500, 999) // written once: a second record changes nothing
    expect(await used()).toBe(13)
    expect(await rowOf(requestId)).toMatchObject({
      request_id: requestId, key_id: key.id, voice_slug: 'slt', format: 'mp3', characters: 13,
      audio_ms: 750, ttfa_ms: 42, total_ms: 300, status: 200, endpoint: '/v1/audio/speech',
    })
  })

  it('refuses a charge over the quota with the transport refusal, taking nothing', async () => {
    const { open, used, refused } = await setup(10)
    const first = open().bill
    await first.charge('123456')
    const second = open().bill
    await expect(second.charge('1234567')).rejects.toMatchObject({ code: 'quota_exceeded', status: 429 })
    expect(refused).toEqual([4])
    expect(second.characters).toBe(0)
    expect(await used()).toBe(6)
    await second.charge('1234') // what is left still fits
    expect(await used()).toBe(10)
  })

  it('gives the characters back when a request fails before any audio, and records it', async () => {
    const { open, used } = await setup()
    const { requestId, bill } = open()
    await bill.charge('Nothing was heard.')
    expect(await used()).toBe(18)
    bill.record(503, 10)
    expect(await used()).toBe(0)
    expect(await rowOf(requestId)).toMatchObject({ status: 503, characters: 0, audio_ms: 0 })
  })

  it('keeps the charge when a request fails after audio had been heard', async () => {
    const { open, used } = await setup()
    const { requestId, bill } = open()
    await bill.charge('Half of this was heard.')
    bill.addAudio(400)
    bill.failed = true
    bill.record(500, 900)
    expect(await used()).toBe(23)
    expect(await rowOf(requestId)).toMatchObject({ status: 500, characters: 23, audio_ms: 400 })
  })

  it('adds up several charges on one bill (a call speaks many times) and refunds them all at once', async () => {
    const { open, used } = await setup()
    const { bill } = open('/v1/calls')
    await bill.charge('One.')
    await bill.charge('Two.')
    expect(bill.characters).toBe(8)
    bill.refund()
    bill.refund() // twice gives back nothing more
    expect(await used()).toBe(0)
    await bill.charge('Three.')
    expect(await used()).toBe(6)
  })
})
