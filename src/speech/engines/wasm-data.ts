// Where a WebAssembly module keeps its read-only data, read from the module's own bytes: the
// active data segment its name section calls ".rodata" (wasm-ld keeps .rodata, .data and .bss in
// separate segments and names them). A C program never writes there, so a memory reset between
// runs can leave it alone.

/** [start, end) of the ".rodata" segment in linear memory, or null when the module does not say. */
export function readOnlyData(wasm: Uint8Array): { start: number; end: number } | null {
  const offsets = new Map<number, { start: number; end: number }>()
  let rodata: number | undefined
  let at = 8 // magic and version
  const u32 = () => {
    let value = 0
    for (let shift = 0; ; shift += 7) {
      const byte = wasm[at++]
      value += (byte & 0x7f) * 2 ** shift
      if (byte < 0x80) return value
    }
  }
  const i32 = () => {
    let value = 0
    let shift = 0
    let byte
    do {
      byte = wasm[at++]
      value |= (byte & 0x7f) << shift
      shift += 7
    } while (byte >= 0x80)
    return shift < 32 && byte & 0x40 ? value | (-1 << shift) : value
  }
  const name = () => {
    const length = u32()
    at += length
    return new TextDecoder().decode(wasm.subarray(at - length, at))
  }
  while (at < wasm.length) {
    const id = wasm[at++]
    const size = u32()
    const end = at + size
    if (id === 11) {
      const count = u32()
      for (let i = 0; i < count; i++) {
        const flags = u32()
        let start: number | undefined
        if (flags !== 1) {
          if (flags === 2) u32() // memory index
          // The offset: i32.const says where the segment lands, global.get does not.
          const op = wasm[at++]
          if (op === 0x41) start = i32()
          else if (op === 0x23) u32()
          else return null
          if (wasm[at++] !== 0x0b) return null
        }
        const length = u32()
        if (start !== undefined) offsets.set(i, { start, end: start + length })
        at += length
      }
    } else if (id === 0 && name() === 'name') {
      while (at < end) {
        const sub = wasm[at++]
        const subEnd = u32() + at
        if (sub === 9) {
          const count = u32()
          for (let i = 0; i < count; i++) {
            const index = u32()
            if (name() === '.rodata') rodata = index
          }
        }
        at = subEnd
      }
    }
    at = end
  }
  return (rodata !== undefined && offsets.get(rodata)) || null
}
