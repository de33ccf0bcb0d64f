// The read step: a request's text becomes the segments the engine speaks, read once, each carrying
// the voice and speed it is spoken with.
import { describe, it, expect } from 'vitest'
import { read, speakable, SPEED } from '../../src/speech/read.js'
import type { VoiceInfo } from '../../src/speech/engine.js'

const voice: VoiceInfo = { id: 'slt', name: 'SLT', language: 'en-US', gender: 'female', sampleRate: 16000, engine: 'flite' }

describe('read', () => {
  it('reads numbers, money and times into words, split into segments that carry the voice and speed', () => {
    const segments = read('Your balance is $42.50, due at 5:30 p.m. on Friday. Press 1 to pay now.', voice, 1.25)
    expect(segments.length).toBeGreaterThanOrEqual(2)
    for (const s of segments) {
      expect(s.voice).toBe(voice)
      expect(s.speed).toBe(1.25)
      expect(s.text).toBe(s.text.trim())
      expect(s.text).not.toMatch(/[$\d]/)
    }
    const said = segments.map((s) => s.text).join(' ')
    expect(said).toMatch(/forty[- ]two dollars/i)
    expect(said).toMatch(/fifty cents/i)
    expect(said).toMatch(/five thirty/i)
    expect(said).toMatch(/press one to pay now\.$/i)
  })

  it('keeps the first segment short so the first audio leaves early', () => {
    const [first, ...rest] = read('Thank you for calling the downtown branch of Acme Dental and Orthodontics today.', voice)
    expect(first.text.split(' ').length).toBeLessThanOrEqual(6)
    expect(rest.length).toBeGreaterThan(0)
  })

  it('honours the segment options it is given', () => {
    const segments = read('One two three four five six seven eight nine ten.', voice, 1, { firstMaxWords: 2, maxChars: 20 })
    expect(segments[0].text.split(' ')).toHaveLength(2)
    for (const s of segments) expect(s.text.length).toBeLessThanOrEqual(20)
  })

  it('defaults to the natural pace', () => {
    expect(read('Hello.', voice)[0].speed).toBe(1)
    expect(SPEED).toEqual({ min: 0.5, max: 2 })
  })

  it('gives no segments for text with nothing to say', () => {
    for (const text of ['', '   ', '\n\t', '...', '?!', ' — ']) expect(read(text, voice)).toEqual([])
  })

  it('drops a segment of punctuation alone, keeping the words around it and where they came from', () => {
    const segments = read('Thank you.\n\n...\n\nGoodbye!', voice)
    expect(segments.map((s) => s.text)).toEqual(['Thank you.', 'Goodbye!'])
    expect(segments[1].spans).toEqual([{ from: 17, to: 25 }])
  })
})

describe('speakable', () => {
  it('agrees with read on whether there is anything to say', () => {
    for (const text of ['Hello', '42', '$5', 'é', '', '  ', '...', '?!', '—', '%']) {
      expect(speakable(text), JSON.stringify(text)).toBe(read(text, voice).length > 0)
    }
  })
})
