// SSML heard: breaks measured in the audio, volume and rate as the segments ask, pitch and
// phonemes on eSpeak NG, a bleep, marks at their point, and a word in another voice's language
// brought to the request's rate. Through the real worker pool and engines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SynthesisPool } from '../../../src/speech/workers.js'
import { Synthesizer, type SpeechChunk } from '../../../src/speech/synthesizer.js'
import { readSsml } from '../../../src/speech/ssml/read.js'
import { read, type Segment } from '../../../src/speech/read.js'
import { amplitudeAt, concat, dB, rms } from '../../audio/signals.js'

let pool: SynthesisPool
let synth: Synthesizer
beforeAll(async () => {
  pool = new SynthesisPool(2)
  synth = new Synthesizer(pool, await pool.voices(), { cacheBytes: 8 * 1024 * 1024 })
})
afterAll(() => pool.close())

const voice = (id: string) => synth.voice(id)!
const segmentsOf = (body: string, id = 'slt') => readSsml(`<speak>${body}</speak>`, voice(id), 1, synth.voices()).segments
async function chunks(segments: Segment[], rate?: number): Promise<SpeechChunk[]> {
  const out: SpeechChunk[] = []
  for await (const c of synth.stream(segments, { rate, words: true })) out.push(c)
  return out
}
const audio = async (segments: Segment[], rate?: number) => concat((await chunks(segments, rate)).map((c) => c.samples))
const FRAME_MS = 20

describe('breaks', () => {
  it.each([
    ['time="500ms"', 500], ['time="2s"', 2000], ['time="100ms"', 100], ['strength="x-strong"', 1000], ['strength="weak"', 250], ['strength="none"', 0],
  ])('<break %s/> adds %d ms of silence, within one frame', async (attrs, ms) => {
    const rate = voice('slt').sampleRate
    const words = (await audio(read('Hello', voice('slt')))).length + (await audio(read('world', voice('slt')))).length
    const got = await audio(segmentsOf(`Hello<break ${attrs}/>world`))
    expect(Math.abs((got.length - words) / rate * 1000 - ms)).toBeLessThanOrEqual(FRAME_MS)
    // And it is silence: the samples where the break lies are all zero.
    const hello = (await audio(read('Hello', voice('slt')))).length
    expect(rms(got, hello, hello + Math.round((ms * rate) / 1000))).toBe(0)
  })
})

describe('prosody', () => {
  it('volume soft is half the amplitude (-6 dB), silent is silence', async () => {
    const plain = await audio(segmentsOf('Hello there'))
    const soft = await audio(segmentsOf('<prosody volume="soft">Hello there</prosody>'))
    expect(soft.length).toBe(plain.length)
    expect(dB(rms(soft) / rms(plain))).toBeCloseTo(-6, 1)
    expect(rms(await audio(segmentsOf('<prosody volume="silent">Hello there</prosody>')))).toBe(0)
  })

  it('rate x-slow is longer and x-fast shorter', async () => {
    const plain = (await audio(segmentsOf('Thank you for calling'))).length
    expect((await audio(segmentsOf('<prosody rate="x-slow">Thank you for calling</prosody>'))).length).toBeGreaterThan(plain * 1.5)
    expect((await audio(segmentsOf('<prosody rate="x-fast">Thank you for calling</prosody>'))).length).toBeLessThan(plain * 0.8)
  })

  it('pitch changes an eSpeak NG voice: higher pitch, the same words', async () => {
    const plain = await audio(segmentsOf('Hello there', 'espeak-en-us'))
    const high = await audio(segmentsOf('<prosody pitch="x-high">Hello there</prosody>', 'espeak-en-us'))
    expect(Buffer.from(high.buffer).equals(Buffer.from(plain.buffer))).toBe(false)
    expect(Math.abs(high.length - plain.length) / plain.length).toBeLessThan(0.1)
  })
})

describe('phoneme, say-as expletive, mark and lang', () => {
  it('eSpeak NG speaks the phonemes given, not the word written', async () => {
    const ipa = 'həlˈoʊ'
    const given = await audio(segmentsOf(`<phoneme alphabet="ipa" ph="${ipa}">xyzzy</phoneme>`, 'espeak-en-us'))
    const written = await audio(segmentsOf('xyzzy', 'espeak-en-us'))
    const hello = await audio(segmentsOf('hello', 'espeak-en-us'))
    expect(Buffer.from(given.buffer).equals(Buffer.from(written.buffer))).toBe(false)
    expect(Math.abs(given.length - hello.length) / hello.length).toBeLessThan(0.15)
  })

  it('an expletive is a 1 kHz bleep', async () => {
    const rate = voice('slt').sampleRate
    const [bleep] = (await chunks(segmentsOf('<say-as interpret-as="expletive">darn</say-as>'))).filter((c) => c.samples.length)
    expect(bleep.samples.length).toBe(Math.round(0.32 * rate))
    const n = 1600
    expect(amplitudeAt(bleep.samples, rate, 1000, 1000, n)).toBeGreaterThan(5 * amplitudeAt(bleep.samples, rate, 500, 1000, n))
  })

  it('a mark comes on its own last chunk, after the audio before it', async () => {
    const got = await chunks(segmentsOf('Hello <mark name="after-hello"/>world'))
    const at = got.findIndex((c) => c.mark === 'after-hello')
    expect(got[at]).toMatchObject({ last: true, samples: new Int16Array(0) })
    const before = concat(got.slice(0, at).map((c) => c.samples)).length
    expect(before).toBe((await audio(read('Hello', voice('slt')))).length)
  })

  it('a word in another language is spoken by a voice of it, at the request voice rate', async () => {
    const segments = segmentsOf('Hello <lang xml:lang="fr-FR">bonjour</lang>')
    expect(segments.map((s) => s.voice.id)).toEqual(['slt', 'espeak-fr-fr'])
    const got = await chunks(segments, 16000)
    const french = concat(got.filter((c) => c.segment === 1).map((c) => c.samples)).length
    const native = (await audio(read('bonjour', voice('espeak-fr-fr')))).length
    expect(Math.abs(french - Math.ceil((native * 16000) / 22050))).toBeLessThanOrEqual(1)
    const words = got.flatMap((c) => c.words ?? [])
    expect(words.map((w) => w.word)).toEqual(['Hello', 'bonjour'])
    expect(words[1].end).toBeLessThanOrEqual(french)
  })
})
