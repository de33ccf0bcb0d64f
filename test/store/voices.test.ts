import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../src/store/db.js'
import type { VoiceInfo } from '../../src/speech/engine.js'
import { findVoice, listVoices, syncVoices, uuidV5, voiceId } from '../../src/store/voices.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'

let tdb: TestDatabase
let db: Db
beforeAll(async () => {
  tdb = await createTestDatabase()
  db = await tdb.openMigrated()
})
afterAll(() => tdb.drop())

const slt: VoiceInfo = { id: 'slt', name: 'SLT', language: 'en-US', gender: 'female', sampleRate: 16000, engine: 'flite' }
const kal: VoiceInfo = { id: 'kal', name: 'Kal', language: 'en-US', gender: 'male', sampleRate: 8000, engine: 'flite' }

describe('voice ids', () => {
  it('follow RFC 4122 version 5', () => {
    // The RFC's DNS namespace example, as every uuid v5 implementation computes it.
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2')
  })

  it('are the same on every call and differ between slugs', () => {
    expect(voiceId('slt')).toBe(voiceId('slt'))
    expect(voiceId('slt')).not.toBe(voiceId('kal'))
    expect(voiceId('slt')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})

describe('the voice catalog', () => {
  it('is filled from the engines and found by uuid or slug', async () => {
    await syncVoices(db, [slt, kal, { ...kal }]) // a repeated slug is taken once
    const voices = await listVoices(db)
    expect(voices.map((v) => v.slug)).toEqual(['kal', 'slt'])
    const v = voices.find((x) => x.slug === 'slt')!
    expect(v).toMatchObject({ id: voiceId('slt'), displayName: 'SLT', language: 'en-US', gender: 'female', engine: 'flite', sampleRate: 16000, enabled: true })
    expect(await findVoice(db, 'slt')).toEqual(v)
    expect(await findVoice(db, v.id)).toEqual(v)
    expect(await findVoice(db, v.id.toUpperCase())).toEqual(v)
    expect(await findVoice(db, 'nope')).toBeNull()
    expect(await findVoice(db, '00000000-0000-0000-0000-000000000000')).toBeNull()
  })

  it('keeps ids across restarts and updates what changed, but not an operator\'s disable', async () => {
    await syncVoices(db, [slt])
    await db.query("UPDATE voices SET enabled = false WHERE slug = 'kal'")
    await syncVoices(db, [slt, { ...kal, name: 'Kal (8 kHz)' }]) // a restart with a renamed voice
    const kalRow = await findVoice(db, 'kal')
    expect(kalRow).toMatchObject({ id: voiceId('kal'), displayName: 'Kal (8 kHz)', enabled: false })
    expect((await listVoices(db)).map((v) => v.slug)).toEqual(['slt'])
    expect((await listVoices(db, { includeDisabled: true })).map((v) => v.slug)).toEqual(['kal', 'slt'])
  })

  it('survives two instances syncing at once', async () => {
    const other = await tdb.open()
    const many = Array.from({ length: 50 }, (_, i): VoiceInfo => ({ ...slt, id: `v${i}`, name: `V${i}` }))
    await Promise.all([syncVoices(db, many), syncVoices(other, [...many].reverse())])
    expect((await listVoices(db)).filter((v) => v.slug.startsWith('v'))).toHaveLength(50)
    await other.close()
  })
})
