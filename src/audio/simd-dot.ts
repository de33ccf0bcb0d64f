// The resampler's inner loop, in WebAssembly with 128-bit SIMD: one dot product of `taps` float32
// samples with `taps` coefficients per job, four lanes at a time in four independent accumulators.
// JavaScript has no SIMD; this is what makes a 216-tap phone filter as fast as sox's FFT-based one.
// The module is a few dozen bytes, assembled here from the opcodes below: no build step, no binary
// file, nothing fetched.

const I32 = 0x7f
const V128 = 0x7b
const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  i32Load: 0x28,
  f32Store: 0x38,
  i32Const: 0x41,
  f32Const: 0x43,
  i32Eqz: 0x45,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  f32Add: 0x92,
  simd: 0xfd,
} as const
// SIMD opcodes follow the 0xfd prefix as unsigned LEB128.
const simd = {
  load: [0x00],
  f32x4Splat: [0x13],
  f32x4ExtractLane: [0x1f],
  f32x4Add: [0xe4, 0x01],
  f32x4Mul: [0xe6, 0x01],
} as const

/** Unsigned LEB128, as every count and index in a module is written. */
function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n) b |= 0x80
    out.push(b)
  } while (n)
  return out
}

/** Signed LEB128 of a non-negative number (i32.const's immediate): the last byte's bit 6 is the sign. */
function sleb(n: number): number[] {
  const out = uleb(n)
  if (out[out.length - 1] & 0x40) {
    out[out.length - 1] |= 0x80
    out.push(0)
  }
  return out
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'latin1')]

// dots(jobs, n, out, blocks): for each of n jobs (two i32 at jobs: a sample address and a
// coefficient-row address), out[i] = Σ samples[k]·row[k] over 16·blocks floats.
const JOBS = 0
const N = 1
const OUT = 2
const BLOCKS = 3
const B = 4 // sample pointer
const T = 5 // coefficient pointer
const K = 6 // blocks left
const ACC = [7, 8, 9, 10]

function body(): number[] {
  const get = (i: number) => [op.localGet, i]
  const set = (i: number) => [op.localSet, i]
  const add = (i: number, by: number) => [...get(i), op.i32Const, ...sleb(by), op.i32Add, ...set(i)]
  const v = (code: readonly number[], ...imm: number[]) => [op.simd, ...code, ...imm]
  const code: number[] = [
    op.block, 0x40,
    ...get(N), op.i32Eqz, op.brIf, 0,
    op.loop, 0x40,
    ...get(JOBS), op.i32Load, 2, 0, ...set(B),
    ...get(JOBS), op.i32Load, 2, 4, ...set(T),
    ...ACC.flatMap((a) => [op.f32Const, 0, 0, 0, 0, ...v(simd.f32x4Splat), ...set(a)]),
    ...get(BLOCKS), ...set(K),
    op.loop, 0x40,
    // acc[i] += samples[4i .. 4i+3] · row[4i .. 4i+3], for the next 16 floats.
    ...ACC.flatMap((a, i) => [
      ...get(a),
      ...get(B), ...v(simd.load, 2, ...uleb(16 * i)),
      ...get(T), ...v(simd.load, 2, ...uleb(16 * i)),
      ...v(simd.f32x4Mul), ...v(simd.f32x4Add), ...set(a),
    ]),
    ...add(B, 64), ...add(T, 64),
    ...get(K), op.i32Const, 1, op.i32Sub, ...set(K),
    ...get(K), op.brIf, 0,
    op.end,
    // One fixed order of additions, so a result never depends on how the stream was chunked.
    ...get(OUT),
    ...get(ACC[0]), ...get(ACC[1]), ...v(simd.f32x4Add), ...get(ACC[2]), ...get(ACC[3]), ...v(simd.f32x4Add), ...v(simd.f32x4Add), ...set(ACC[0]),
    ...get(ACC[0]), ...v(simd.f32x4ExtractLane, 0), ...get(ACC[0]), ...v(simd.f32x4ExtractLane, 1), op.f32Add,
    ...get(ACC[0]), ...v(simd.f32x4ExtractLane, 2), ...get(ACC[0]), ...v(simd.f32x4ExtractLane, 3), op.f32Add,
    op.f32Add,
    op.f32Store, 2, 0,
    ...add(OUT, 4), ...add(JOBS, 8),
    ...get(N), op.i32Const, 1, op.i32Sub, ...set(N),
    ...get(N), op.brIf, 0,
    op.end,
    op.end,
    op.end,
  ]
  const locals = vec([[3, I32], [4, V128]])
  return [...uleb(locals.length + code.length), ...locals, ...code]
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32]]), 0]])), // (i32 i32 i32 i32) → ()
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, 1]])), // one memory, at least one page, no maximum
    ...section(7, vec([[...name('dots'), 0x00, 0], [...name('memory'), 0x02, 0]])),
    ...section(10, vec([body()])),
  ])
}

const compiled = new WebAssembly.Module(moduleBytes())

/** Floats per block of the inner loop: row lengths must be a multiple of it. */
export const DOT_BLOCK = 16

export interface DotKernel {
  readonly memory: WebAssembly.Memory
  /** Runs n jobs from byte address `jobs`, writing n float32 results from byte address `out`. */
  dots(jobs: number, n: number, out: number, blocks: number): void
}

/** A kernel with its own memory of at least `bytes`. */
export function createDotKernel(bytes: number): DotKernel {
  const { exports } = new WebAssembly.Instance(compiled)
  const memory = exports.memory as WebAssembly.Memory
  const pages = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536
  if (pages > 0) memory.grow(pages)
  return { memory, dots: exports.dots as DotKernel['dots'] }
}
