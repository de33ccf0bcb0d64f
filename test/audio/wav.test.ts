import { describe, expect, it, beforeAll, afterAll } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UNKNOWN_SIZE, parseWav, wavHeader, wavHeaderLength, type WavFormat } from '../../src/audio/wav.js'
import { decodeAlaw, decodeMulaw, encodeAlaw, encodeMulaw } from '../../src/audio/g711.js'
import { tones } from './signals.js'

const hasSox = spawnSync('sox', ['--version']).status === 0 && spawnSync('soxi', ['-V0', '--help']).error === undefined
const FORMATS: WavFormat[] = ['pcm16', 'mulaw', 'alaw']

// An odd sample count, so the PCM data chunk is even but the G.711 ones need a pad byte.
const PCM = tones(8001, 8000, [440, 1330], 9000)

function payload(format: WavFormat): Uint8Array {
  if (format === 'mulaw') return encodeMulaw(PCM)
  if (format === 'alaw') return encodeAlaw(PCM)
  return new Uint8Array(PCM.buffer, PCM.byteOffset, PCM.byteLength)
}

function expectedSamples(format: WavFormat): Int16Array {
  if (format === 'mulaw') return decodeMulaw(encodeMulaw(PCM))
  if (format === 'alaw') return decodeAlaw(encodeAlaw(PCM))
  return PCM
}

function wavFile(format: WavFormat, streaming: boolean, sampleRate = 8000): Uint8Array {
  const data = payload(format)
  const header = wavHeader({ sampleRate, format, dataBytes: streaming ? undefined : data.length })
  const pad = !streaming && data.length & 1 ? 1 : 0
  const file = new Uint8Array(header.length + data.length + pad)
  file.set(header)
  file.set(data, header.length)
  return file
}

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true)

describe('wavHeader', () => {
  it('writes a canonical 44-byte PCM header', () => {
    const h = wavHeader({ sampleRate: 16000, channels: 1, format: 'pcm16', dataBytes: 3200 })
    expect(h.length).toBe(44)
    expect(String.fromCharCode(...h.subarray(0, 4), ...h.subarray(8, 16), ...h.subarray(36, 40))).toBe('RIFFWAVEfmt data')
    expect(u32(h, 4)).toBe(36 + 3200)
    expect(u32(h, 24)).toBe(16000)
    expect(u32(h, 28)).toBe(32000)
    expect(u32(h, 40)).toBe(3200)
  })

  it('gives G.711 an 18-byte fmt chunk and a fact chunk', () => {
    for (const format of ['mulaw', 'alaw'] as const) {
      const h = wavHeader({ sampleRate: 8000, format, dataBytes: 161 })
      expect(h.length).toBe(wavHeaderLength(format))
      expect(u32(h, 4)).toBe(58 - 8 + 161 + 1) // counts the pad byte
      expect(h[20]).toBe(format === 'mulaw' ? 7 : 6)
      expect(u32(h, 46)).toBe(161)
      expect(u32(h, 54)).toBe(161)
    }
  })

  it('writes 0xFFFFFFFF sizes when the length is unknown', () => {
    const h = wavHeader({ sampleRate: 8000, format: 'pcm16' })
    expect(u32(h, 4)).toBe(UNKNOWN_SIZE)
    expect(u32(h, 40)).toBe(UNKNOWN_SIZE)
  })

  it('rejects what cannot be written', () => {
    expect(() => wavHeader({ sampleRate: 0, format: 'pcm16' })).toThrow(RangeError)
    expect(() => wavHeader({ sampleRate: 8000, format: 'pcm16', dataBytes: -1 })).toThrow(RangeError)
    expect(() => wavHeader({ sampleRate: 8000, format: 'pcm16', dataBytes: 2 ** 32 })).toThrow(RangeError)
    expect(() => wavHeader({ sampleRate: 8000, format: 'mp3' as WavFormat })).toThrow(RangeError)
  })
})

describe('parseWav', () => {
  for (const format of FORMATS) {
    for (const streaming of [false, true]) {
      it(`reads back ${format} (${streaming ? 'streaming' : 'known-length'} header)`, () => {
        const wav = parseWav(wavFile(format, streaming, 22050))
        expect(wav.format).toBe(format)
        expect(wav.sampleRate).toBe(22050)
        expect(wav.channels).toBe(1)
        expect(wav.samples).toEqual(expectedSamples(format))
      })
    }
  }

  it('reads from a Buffer at an odd offset, skips unknown chunks, and honours pad bytes', () => {
    const data = payload('pcm16')
    const list = new Uint8Array([...'LIST'].map((c) => c.charCodeAt(0)).concat([3, 0, 0, 0, 1, 2, 3, 0]))
    const h = wavHeader({ sampleRate: 8000, format: 'pcm16', dataBytes: data.length })
    const body = new Uint8Array(1 + h.length + list.length + data.length)
    body.set(h.subarray(0, 36), 1)
    body.set(list, 37)
    body.set(h.subarray(36), 37 + list.length)
    body.set(data, 1 + h.length + list.length)
    const wav = parseWav(Buffer.from(body.buffer, 1))
    expect(wav.samples).toEqual(PCM)
  })

  it('explains what it cannot read', () => {
    expect(() => parseWav(new Uint8Array(10))).toThrow(/RIFF/)
    const float = wavHeader({ sampleRate: 8000, format: 'pcm16', dataBytes: 0 })
    float[20] = 3
    expect(() => parseWav(float)).toThrow(/format tag 3/)
  })
})

describe.skipIf(!hasSox)('sox reads what we write', () => {
  let dir = ''
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wav-test-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const soxi = (file: string, flag: string) => spawnSync('soxi', [flag, file], { encoding: 'utf8' })

  for (const format of FORMATS) {
    for (const streaming of [false, true]) {
      it(`${format}, ${streaming ? 'streaming' : 'known-length'} header`, () => {
        const file = join(dir, `${format}-${streaming}.wav`)
        writeFileSync(file, wavFile(format, streaming))
        expect(soxi(file, '-r').stdout.trim()).toBe('8000')
        expect(soxi(file, '-c').stdout.trim()).toBe('1')
        const encoding = soxi(file, '-e').stdout.trim()
        expect(encoding).toMatch(format === 'pcm16' ? /Signed Integer PCM/ : format === 'mulaw' ? /u-law/ : /A-law/)
        // A streaming header's length is unknown to soxi; a known one must be exact.
        if (!streaming) expect(soxi(file, '-s').stdout.trim()).toBe(String(PCM.length))
        const raw = join(dir, `${format}-${streaming}.raw`)
        const run = spawnSync('sox', ['-V1', file, '-t', 'raw', '-e', 'signed', '-b', '16', raw], { encoding: 'utf8' })
        expect(run.status, run.stderr).toBe(0)
        const bytes = readFileSync(raw)
        const decoded = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2)
        expect(Array.from(decoded)).toEqual(Array.from(expectedSamples(format)))
      })
    }
  }

  it('parseWav reads what sox writes, to a file and to a pipe', () => {
    const source = join(dir, 'source.wav')
    writeFileSync(source, wavFile('pcm16', false))
    for (const [encoding, format] of [['signed-integer', 'pcm16'], ['u-law', 'mulaw'], ['a-law', 'alaw']] as const) {
      const out = join(dir, `sox-${format}.wav`)
      // -D: no dither, which sox would otherwise add (randomly) when going to 8-bit codes.
      expect(spawnSync('sox', ['-D', source, '-e', encoding, out]).status).toBe(0)
      const fromFile = parseWav(readFileSync(out))
      expect(fromFile.format).toBe(format)
      expect(fromFile.samples.length).toBe(PCM.length)
      // Raw audio on stdin: sox cannot know the length and writes 0x7FFFF000 sizes.
      const raw = Buffer.from(PCM.buffer, PCM.byteOffset, PCM.byteLength)
      const piped = spawnSync('sox', ['-D', '-t', 'raw', '-r', '8000', '-e', 'signed', '-b', '16', '-c', '1', '-', '-e', encoding, '-t', 'wav', '-'], { input: raw, maxBuffer: 1 << 24 })
      expect(piped.status).toBe(0)
      const fromPipe = parseWav(piped.stdout)
      // sox still writes the pad byte after an odd-length data chunk, which a reader of an unknown
      // length cannot tell from audio: allow that one extra sample.
      expect(fromPipe.samples.length - fromFile.samples.length).toBeLessThanOrEqual(1)
      expect(fromPipe.samples.subarray(0, fromFile.samples.length)).toEqual(fromFile.samples)
    }
  })
})
