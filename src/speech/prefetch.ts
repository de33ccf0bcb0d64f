// Starting a stream before its consumer is ready: the first chunks are asked for now (so synthesis
// begins), kept, and replayed to whoever iterates later. The REST sink uses it to hold the status
// line until the first audio exists; a call uses it to start speaking while its stream is checked.

export interface Prefetched<T> {
  /** Settles once a chunk satisfying `ready` (or the end) has arrived; rejects if the source failed. */
  ready: Promise<void>
  /** Every chunk, the prefetched ones first. Returning from it closes the source. */
  chunks: AsyncGenerator<T>
}

export function prefetch<T>(source: AsyncGenerator<T>, isReady: (chunk: T) => boolean = () => true): Prefetched<T> {
  const kept: T[] = []
  const ready = (async () => {
    for (let r = await source.next(); !r.done; r = await source.next()) {
      kept.push(r.value)
      if (isReady(r.value)) return
    }
  })()
  async function* chunks(): AsyncGenerator<T> {
    try {
      await ready
      yield* kept.splice(0)
      for (let r = await source.next(); !r.done; r = await source.next()) yield r.value
    } finally {
      await source.return(undefined)
    }
  }
  ready.catch(() => {}) // speech dropped before anyone waited on it must not be an unhandled rejection
  return { ready, chunks: chunks() }
}
