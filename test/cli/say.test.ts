import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseWav } from '../../src/audio/wav.js'
import { mp3Info } from '../integration/audio.js'

const say = (args: string[], input?: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/say.ts', ...args], { input, encoding: 'utf8', timeout: 60_000 })

describe('npm run say', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cw-say-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('writes a WAV file with its real length in the header, that sox reads', () => {
    const out = join(dir, 'hello.wav')
    const run = say(['--voice', 'slt', '-o', out, 'Hello there. This is a test.'])
    expect(run.status, run.stderr).toBe(0)
    const wav = parseWav(readFileSync(out))
    expect(wav.sampleRate).toBe(16000)
    expect(wav.samples.length / 16000).toBeGreaterThan(1)
    expect(readFileSync(out).readUInt32LE(40)).toBe(wav.samples.length * 2)
    const soxi = spawnSync('soxi', ['-D', out], { encoding: 'utf8' })
    expect(Number(soxi.stdout)).toBeCloseTo(wav.samples.length / 16000, 2)
  })

  it('speaks SSML (a 2 s break is 2 s more audio), and stops at bad SSML saying where', () => {
    const length = (text: string) => {
      const out = join(dir, 'ssml.wav')
      const run = say(['--voice', 'slt', '-o', out, text])
      expect(run.status, run.stderr).toBe(0)
      return parseWav(readFileSync(out)).samples.length / 16000
    }
    expect(length('<speak>Hello <break time="2s"/>there</speak>') - length('<speak>Hello <break time="0s"/>there</speak>')).toBeCloseTo(2, 2)
    const bad = say(['--voice', 'slt', '-o', join(dir, 'bad.wav'), '<speak>\n<break time="x"/></speak>'])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/line 2, column \d+/)
  })

  it('reads the text from standard input and writes raw μ-law at 8 kHz', () => {
    const out = join(dir, 'code.ulaw')
    const run = say(['--voice', 'kal16', '--format', 'mulaw', '--rate', '8000', '-o', out], 'Your code is 4 2 7 1.')
    expect(run.status, run.stderr).toBe(0)
    // One byte per sample at 8 kHz: a couple of seconds of speech.
    expect(statSync(out).size / 8000).toBeGreaterThan(1)
  })

  it('writes an MP3 file at the rate asked for', async () => {
    const out = join(dir, 'hello.mp3')
    const run = say(['--voice', 'slt', '--format', 'mp3', '--rate', '24000', '-o', out, 'Hello there. This is a test.'])
    expect(run.status, run.stderr).toBe(0)
    const mp3 = await mp3Info(readFileSync(out))
    expect(mp3).toMatchObject({ rate: 24000, errors: 0 })
    expect(mp3.seconds).toBeGreaterThan(1)
  })

  it('lists the voices', () => {
    const run = say(['--list-voices'])
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/^slt\s+flite\s+en-US/m)
    expect(run.stdout).toMatch(/^espeak-en-us\s+espeak/m)
  })

  it('shows the words each segment will speak, and writes no audio', () => {
    const out = join(dir, 'nothing.wav')
    const run = say(['--show-text', '-o', out, 'Hi Mr. Lee. Your order #A12-345 ships 6/14; call 1-800-FLOWERS, 9am-5pm Mon-Fri.'])
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toBe(
      '1\tHi Mister Lee.\n' +
        '2\tYour order number A one two, three four five ships June fourteenth; call one eight hundred flowers, nine A M to five P M, Monday to Friday.\n',
    )
    expect(existsSync(out)).toBe(false)
    const piped = say(['--show-text'], 'Dial 911.')
    expect(piped.stdout).toBe('1\tDial nine one one.\n')
  })

  it("shows the text as the voice's language reads it", () => {
    const run = say(['--voice', 'espeak-de', '--show-text', 'Der Preis ist 1.234,56 Euro.'])
    expect(run.status, run.stderr).toBe(0)
    // Read the German way (euros, then cents, the digits left to eSpeak NG's German), never "one point two three four".
    expect(run.stdout).toBe('1\tDer Preis ist 1234 Euro 56.\n')
  })

  it.each([
    [['--format', 'ogg', 'hi'], /--format must be one of/],
    [['--speed', '9', 'hi'], /--speed must be/],
    [['--rate', '12345', 'hi'], /--rate must be one of/],
    [['--voice', 'nobody', 'hi'], /unknown voice "nobody"/],
    [['--bogus'], /Unknown option/],
  ])('refuses %j with a one-line error and exit code 2', (args, message) => {
    const run = say(args as string[])
    expect(run.status).toBe(2)
    expect(run.stderr).toMatch(message)
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })
})
