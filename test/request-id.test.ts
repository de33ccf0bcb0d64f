import { describe, expect, it } from 'vitest'
import { uuidV7 } from '../src/request-id.js'

describe('uuidV7', () => {
  it('makes version 7 uuids that sort in the order they were made, within a millisecond too', () => {
    const at = Date.UTC(2031, 2, 20, 8)
    const ids = [uuidV7(at), uuidV7(at), uuidV7(at), uuidV7(at + 1), uuidV7(at + 60_000), uuidV7(at)]
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(parseInt(ids[0].replace(/-/g, '').slice(0, 12), 16)).toBe(at)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual([...ids].sort()) // the last one, from a clock that stepped back, too
    const many = Array.from({ length: 5000 }, () => uuidV7(at + 120_000))
    expect(many).toEqual([...many].sort())
  })
})
