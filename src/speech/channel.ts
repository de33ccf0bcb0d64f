// A one-consumer async queue: a producer pushes items as they come and the consumer reads them
// with `for await`. A consumer that stops early (break, return, throw) triggers `onClose`, which is
// how a departed listener cancels the work that was feeding it.
export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = []
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null
  private ended = false
  private error: unknown = null

  constructor(private readonly onClose?: () => void) {}

  push(item: T): void {
    if (this.ended) return
    if (this.waiter) {
      this.waiter.resolve({ value: item, done: false })
      this.waiter = null
    } else {
      this.items.push(item)
    }
  }

  end(): void {
    if (this.ended) return
    this.ended = true
    this.waiter?.resolve({ value: undefined, done: true })
    this.waiter = null
  }

  fail(error: unknown): void {
    if (this.ended) return
    this.error = error
    this.ended = true
    this.items.length = 0
    this.waiter?.reject(error)
    this.waiter = null
  }

  get closed(): boolean {
    return this.ended
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false })
        if (this.error) return Promise.reject(this.error)
        if (this.ended) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve, reject) => (this.waiter = { resolve, reject }))
      },
      return: () => {
        const wasOpen = !this.ended
        this.ended = true
        this.items.length = 0
        if (wasOpen) this.onClose?.()
        return Promise.resolve({ value: undefined, done: true })
      },
    }
  }
}

export const abortError = (): Error => new DOMException('The operation was aborted', 'AbortError')
