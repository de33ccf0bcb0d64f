/** Joins PCM16 chunks; a lone non-empty chunk comes back as it is, with no copy. */
export function concatSamples(parts: Int16Array[]): Int16Array {
  const nonEmpty = parts.filter((p) => p.length > 0)
  if (nonEmpty.length === 1) return nonEmpty[0]
  const out = new Int16Array(nonEmpty.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of nonEmpty) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}
