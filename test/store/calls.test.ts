// Calls in the database: status callbacks that repeat or arrive out of order, the per-key cap
// under concurrent requests, and one stream per call.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../src/store/db.js'
import {
  CallCapError, applyStatus, attachCallSid, createOutbound, failCall, findCall, isLive, recordInbound, streamEnded, streamStarted,
} from '../../src/store/calls.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { sid } from '../helpers/twilio-stream.js'

let testDb: TestDatabase
let db: Db

beforeAll(async () => {
  testDb = await createTestDatabase()
  db = await testDb.openMigrated()
})
afterAll(() => testDb?.drop())

const inbound = (callSid: string) =>
  recordInbound(db, { callSid, direction: 'inbound', from: '+15550001111', to: '+15005550006', status: 'ringing', text: 'Hello', voice: 'kal16', bargeInDigit: '*' })

describe('status callbacks', () => {
  it('only ever move a call forward, whatever the order they arrive in', async () => {
    const callSid = sid('CA')
    await inbound(callSid)
    await applyStatus(db, { callSid, status: 'in-progress' })
    await applyStatus(db, { callSid, status: 'ringing' }) // late
    expect((await findCall(db, callSid))!.status).toBe('in-progress')
    await applyStatus(db, { callSid, status: 'completed' })
    await applyStatus(db, { callSid, status: 'in-progress' }) // late, after the end
    await applyStatus(db, { callSid, status: 'completed' }) // duplicate
    await applyStatus(db, { callSid, status: 'busy' }) // a second final status changes nothing
    const call = (await findCall(db, callSid))!
    expect(call.status).toBe('completed')
    expect(call.endedAt).not.toBeNull()
    expect(isLive(call)).toBe(false)
  })

  it('leave a call unknown here alone', async () => {
    expect(await applyStatus(db, { callSid: sid('CA'), status: 'completed' })).toBeNull()
  })

  it('reach an outbound call by our id before its sid is known', async () => {
    const keyId = randomUUID()
    const call = await createOutbound(db, { keyId, from: '+15005550006', to: '+15551234567', text: 'Hi', voice: 'kal16', bargeInDigit: null }, 5)
    const callSid = sid('CA')
    await applyStatus(db, { id: call.id, callSid, status: 'ringing' })
    await attachCallSid(db, call.id, callSid, 'queued') // the create answer, arriving after the callback
    expect(await findCall(db, callSid)).toMatchObject({ id: call.id, status: 'ringing' })
  })
})

describe('the per-key cap', () => {
  it('holds under concurrent requests, and an ended or failed call frees its place', async () => {
    const keyId = randomUUID()
    const attempt = () => createOutbound(db, { keyId, from: '+15005550006', to: '+15551234567', text: 'Hi', voice: 'kal16', bargeInDigit: null }, 3)
    const results = await Promise.allSettled(Array.from({ length: 8 }, attempt))
    const placed = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof attempt>>>).value)
    expect(placed).toHaveLength(3)
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof CallCapError)).toHaveLength(5)
    await failCall(db, placed[0].id)
    const callSid = sid('CA')
    await attachCallSid(db, placed[1].id, callSid, 'queued')
    await applyStatus(db, { callSid, status: 'no-answer' })
    await expect(attempt()).resolves.toBeTruthy()
    await expect(attempt()).resolves.toBeTruthy()
    await expect(attempt()).rejects.toBeInstanceOf(CallCapError)
  })
})

describe('streams', () => {
  it('start once per live call, and end the call when they close', async () => {
    const callSid = sid('CA')
    const call = await inbound(callSid)
    const streamSid = sid('MZ')
    expect(await streamStarted(db, call.id, sid('CA'), streamSid)).toBeNull() // another call's sid
    expect(await streamStarted(db, call.id, callSid, streamSid)).toMatchObject({ status: 'in-progress', streamSid })
    expect(await streamStarted(db, call.id, callSid, sid('MZ'))).toBeNull() // a second stream: a replay
    await streamEnded(db, call.id, 100, 1200)
    expect(await findCall(db, callSid)).toMatchObject({ status: 'completed', framesSent: 100, msPlayed: 1200 })
    expect(await streamStarted(db, call.id, callSid, streamSid)).toBeNull()
  })
})
