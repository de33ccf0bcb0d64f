// The send-ahead window, the marks that pace it, and what a barge-in does to marks still in flight.
import { describe, it, expect } from 'vitest'
import { Playout, formatMark, parseMark, type DropReason } from '../../src/telephony/playout.js'

function rig(ahead = 10, every = 4) {
  const wire: string[] = []
  const playout = new Playout(ahead, every, (name) => wire.push(name))
  return { playout, wire }
}

const listener = () => {
  const heard: string[] = []
  return { heard, played: () => heard.push('played'), dropped: (r: DropReason) => heard.push(`dropped:${r}`) }
}

describe('mark names', () => {
  it('round-trip through formatMark and parseMark', () => {
    for (const mark of [{ generation: 0, kind: 'm' as const, n: 1 }, { generation: 7, kind: 's' as const, n: 42 }, { generation: 123, kind: 'e' as const, n: 9 }]) {
      expect(parseMark(formatMark(mark))).toEqual(mark)
    }
    expect(formatMark({ generation: 3, kind: 'e', n: 2 })).toBe('g3:e2')
  })

  it('are not parsed out of names that are not ours', () => {
    for (const name of ['', 'greeting', 'g:m1', 'g1:x1', 'g1:m', 'g1:m1 ', 'xg1:m1', 'g1:m1:e2', 'g1234567890:m1']) expect(parseMark(name)).toBeNull()
  })
})

describe('Playout', () => {
  it('sends a pacing mark every few frames, after the frames it follows', () => {
    const { playout, wire } = rig(100, 4)
    for (let i = 0; i < 9; i++) playout.sent()
    expect(wire).toEqual(['g0:m1', 'g0:m2'])
    expect(playout.framesSent).toBe(9)
    expect(playout.settled).toBe(false)
  })

  it('holds the next frame until an echo opens the window', async () => {
    const { playout, wire } = rig(8, 4)
    for (let i = 0; i < 8; i++) {
      expect(await playout.room(() => false)).toBe(true)
      playout.sent()
    }
    let got: boolean | null = null
    const waiting = playout.room(() => false).then((r) => (got = r))
    await new Promise((r) => setImmediate(r))
    expect(got).toBeNull() // 8 frames ahead, none heard: the 9th waits
    expect(playout.echo(wire[0])).toBe('played') // the first 4 frames have played
    await waiting
    expect(got).toBe(true)
    expect(playout.framesPlayed).toBe(4)
    expect(playout.msPlayed).toBe(80)
  })

  it('counts an echo as every earlier mark played too, and tells each listener once', () => {
    const { playout, wire } = rig(100, 1000)
    const a = listener()
    const b = listener()
    playout.sent()
    playout.mark('s', a)
    playout.sent()
    playout.sent()
    playout.mark('e', b)
    expect(wire).toEqual(['g0:s1', 'g0:e2'])
    expect(playout.echo('g0:e2')).toBe('played')
    expect(a.heard).toEqual(['played'])
    expect(b.heard).toEqual(['played'])
    expect(playout.framesPlayed).toBe(3)
    expect(playout.settled).toBe(true)
    expect(playout.echo('g0:s1')).toBe('unknown') // already accounted for
  })

  it('calls a name it never sent unknown, and it changes nothing', () => {
    const { playout } = rig()
    playout.sent()
    playout.mark('e')
    expect(playout.echo('g0:m99999')).toBe('unknown')
    expect(playout.echo('someone-else')).toBe('unknown')
    expect(playout.framesPlayed).toBe(0)
    expect(playout.settled).toBe(false)
  })

  it('drops what is in flight on a barge-in: listeners hear why, later echoes of it are stale', async () => {
    const { playout, wire } = rig(4, 2)
    const said = listener()
    for (let i = 0; i < 4; i++) playout.sent()
    playout.mark('e', said)
    let got: boolean | null = null
    const waiting = playout.room(() => playout.generation !== 0).then((r) => (got = r))
    playout.drop('interrupted')
    await waiting
    expect(got).toBe(false) // the frame that waited belongs to the generation that was cleared
    expect(said.heard).toEqual(['dropped:interrupted'])
    expect(playout.generation).toBe(1)
    expect(playout.settled).toBe(true)
    // Twilio echoes every pending mark after a clear: none of it was heard.
    for (const name of wire) expect(playout.echo(name)).toBe('stale')
    expect(playout.framesPlayed).toBe(0)
    // The window is open again and new marks carry the new generation.
    expect(await playout.room(() => false)).toBe(true)
    playout.sent()
    playout.sent()
    expect(wire.at(-1)).toBe(formatMark({ generation: 1, kind: 'm', n: wire.length }))
    expect(playout.echo(wire.at(-1)!)).toBe('played')
    expect(playout.framesPlayed).toBe(2)
  })

  it('tells listeners the call ended when it drops for that', () => {
    const { playout } = rig()
    const said = listener()
    playout.sent()
    playout.mark('s', said)
    playout.drop('ended')
    expect(said.heard).toEqual(['dropped:ended'])
  })
})
