// The polyphase resampler's loop over outputs, in WebAssembly with 128-bit SIMD: each output is the
// dot product of its window of float32 samples with its phase's row of coefficients, four lanes at
// a time in four independent accumulators, rounded to Int16. JavaScript has no SIMD; this is what
// makes the 160-tap phone filter as fast as sox's FFT-based one. The module is a few hundred
// bytes, assembled here from the opcodes below: no build step, no binary file, nothing fetched.

const I32 = 0x7f
const F32 = 0x7d
const V128 = 0x7b
const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  if: 0x04,
  else: 0x05,
  select: 0x1b,
  i32Store16: 0x3b,
  i32Const: 0x41,
  f32Const: 0x43,
  i32Eqz: 0x45,
  i32LtS: 0x48,
  i32GtS: 0x4a,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32DivU: 0x6e,
  f32Nearest: 0x90,
  f32Add: 0x92,
  f32Sub: 0x93,
  f32Mul: 0x94,
  f32Div: 0x95,
  f32ConvertI32U: 0xb3,
  truncSat: 0xfc, // followed by 0x00: i32.trunc_sat_f32_s
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

/** Signed LEB128 (i32.const's immediate). */
function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b]
    out.push(b | 0x80)
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'latin1')]

/** Above this many phases the table would get large (odd rate pairs such as 12345→8000): keep
 *  this many and interpolate linearly between neighbouring phases. The error that adds is second
 *  order in 1/MAX_PHASES; the 12345 Hz cases in the tests hold the same 80 dB bounds. */
export const MAX_PHASES = 1024

// run(out, n, window, phase, up, stepBytes, stepFrac, table, rowBytes, blocks, interpolate):
// n outputs as Int16 from byte address `out`. Output q's window starts at byte address `window`,
// its row is `phase` (of `up`); then window += stepBytes, phase += stepFrac, carrying into the
// window when phase reaches up. With `interpolate`, the table has MAX_PHASES + 1 rows and the
// output lies between the two rows either side of phase·MAX_PHASES/up.
const P = { out: 0, n: 1, window: 2, phase: 3, up: 4, stepBytes: 5, stepFrac: 6, table: 7, rowBytes: 8, blocks: 9, interpolate: 10 }
const L = { b: 11, t: 12, k: 13, scaled: 14, row: 15, v: 16, y: 17, y0: 18, frac: 19, acc: [20, 21, 22, 23] }
const PARAMS = 11

const get = (i: number) => [op.localGet, i]
const set = (i: number) => [op.localSet, i]
const i32 = (n: number) => [op.i32Const, ...sleb(n)]
const addTo = (i: number, by: number[]) => [...get(i), ...by, op.i32Add, ...set(i)]
const v = (code: readonly number[], ...imm: number[]) => [op.simd, ...code, ...imm]
const f32Zero = [op.f32Const, 0, 0, 0, 0]

/** local y = Σ window[k]·row[k] over 16·blocks floats; `row` is the code that pushes its address. */
function dot(row: number[]): number[] {
  const acc = L.acc
  return [
    ...get(P.window), ...set(L.b),
    ...row, ...set(L.t),
    ...acc.flatMap((a) => [...f32Zero, ...v(simd.f32x4Splat), ...set(a)]),
    ...get(P.blocks), ...set(L.k),
    op.loop, 0x40,
    ...acc.flatMap((a, i) => [
      ...get(a),
      ...get(L.b), ...v(simd.load, 2, ...uleb(16 * i)),
      ...get(L.t), ...v(simd.load, 2, ...uleb(16 * i)),
      ...v(simd.f32x4Mul), ...v(simd.f32x4Add), ...set(a),
    ]),
    ...addTo(L.b, i32(64)), ...addTo(L.t, i32(64)),
    ...get(L.k), ...i32(1), op.i32Sub, op.localTee, L.k,
    op.brIf, 0,
    op.end,
    // One fixed order of additions, so a result never depends on how the stream was chunked.
    ...get(acc[0]), ...get(acc[1]), ...v(simd.f32x4Add), ...get(acc[2]), ...get(acc[3]), ...v(simd.f32x4Add), ...v(simd.f32x4Add), ...set(acc[0]),
    ...get(acc[0]), ...v(simd.f32x4ExtractLane, 0), ...get(acc[0]), ...v(simd.f32x4ExtractLane, 1), op.f32Add,
    ...get(acc[0]), ...v(simd.f32x4ExtractLane, 2), ...get(acc[0]), ...v(simd.f32x4ExtractLane, 3), op.f32Add,
    op.f32Add, ...set(L.y),
  ]
}

function body(): number[] {
  const code: number[] = [
    op.block, 0x40,
    ...get(P.n), op.i32Eqz, op.brIf, 0,
    op.loop, 0x40,
    ...get(P.interpolate), op.if, 0x40,
    // p = phase·MAX_PHASES / up, frac = the remainder over up
    ...get(P.phase), ...i32(MAX_PHASES), op.i32Mul, ...set(L.scaled),
    ...get(L.scaled), ...get(P.up), op.i32DivU, ...get(P.rowBytes), op.i32Mul, ...get(P.table), op.i32Add, ...set(L.row),
    ...get(L.scaled), ...get(L.scaled), ...get(P.up), op.i32DivU, ...get(P.up), op.i32Mul, op.i32Sub, op.f32ConvertI32U,
    ...get(P.up), op.f32ConvertI32U, op.f32Div, ...set(L.frac),
    ...dot(get(L.row)), ...get(L.y), ...set(L.y0),
    ...dot([...get(L.row), ...get(P.rowBytes), op.i32Add]),
    ...get(L.y0), ...get(L.frac), ...get(L.y), ...get(L.y0), op.f32Sub, op.f32Mul, op.f32Add, ...set(L.y),
    op.else,
    ...dot([...get(P.phase), ...get(P.rowBytes), op.i32Mul, ...get(P.table), op.i32Add]),
    op.end,
    // To Int16: nearest (ties to even), saturated.
    ...get(L.y), op.f32Nearest, op.truncSat, 0x00, ...set(L.v),
    ...i32(32767), ...get(L.v), ...get(L.v), ...i32(32767), op.i32GtS, op.select, ...set(L.v),
    ...i32(-32768), ...get(L.v), ...get(L.v), ...i32(-32768), op.i32LtS, op.select, ...set(L.v),
    ...get(P.out), ...get(L.v), op.i32Store16, 1, 0,
    ...addTo(P.out, i32(2)),
    ...addTo(P.window, get(P.stepBytes)),
    ...addTo(P.phase, get(P.stepFrac)),
    ...get(P.phase), ...get(P.up), op.i32GeU, op.if, 0x40,
    ...get(P.phase), ...get(P.up), op.i32Sub, ...set(P.phase),
    ...addTo(P.window, i32(4)),
    op.end,
    ...get(P.n), ...i32(1), op.i32Sub, op.localTee, P.n,
    op.brIf, 0,
    op.end,
    op.end,
    op.end,
  ]
  const locals = vec([[6, I32], [3, F32], [4, V128]])
  return [...uleb(locals.length + code.length), ...locals, ...code]
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(Array.from({ length: PARAMS }, () => [I32])), 0]])), // (i32 × 11) → ()
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, 1]])), // one memory, at least one page, no maximum
    ...section(7, vec([[...name('run'), 0x00, 0], [...name('memory'), 0x02, 0]])),
    ...section(10, vec([body()])),
  ])
}

const compiled = new WebAssembly.Module(moduleBytes())

/** Floats per block of the inner loop: row lengths must be a multiple of it. */
export const DOT_BLOCK = 16

export interface PolyphaseKernel {
  readonly memory: WebAssembly.Memory
  run(out: number, n: number, window: number, phase: number, up: number, stepBytes: number, stepFrac: number, table: number, rowBytes: number, blocks: number, interpolate: number): void
}

/** A kernel with its own memory of at least `bytes`. */
export function createPolyphaseKernel(bytes: number): PolyphaseKernel {
  const { exports } = new WebAssembly.Instance(compiled)
  const memory = exports.memory as WebAssembly.Memory
  const pages = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536
  if (pages > 0) memory.grow(pages)
  return { memory, run: exports.run as PolyphaseKernel['run'] }
}
