// What a call will say, remembered by the instance that answered its webhook (or placed it), so
// that when its stream lands on this same instance, synthesis can begin while the database
// confirms the call is live: the first audio then waits on the engine only. A hint is a guess
// and never a permission: nothing is sent before the database has answered.
export interface StartHint {
  text: string
  voice: string
}

const MAX_HINTS = 10_000

export class StartHints {
  private readonly hints = new Map<string, StartHint & { expires: number }>()

  constructor(private readonly ttlMs: number) {}

  remember(callId: string, hint: StartHint, now = Date.now()): void {
    // Oldest first in a Map: past the cap, the oldest guesses go.
    if (this.hints.size >= MAX_HINTS) this.hints.delete(this.hints.keys().next().value!)
    this.hints.set(callId, { ...hint, expires: now + this.ttlMs })
  }

  /** The hint for a call, once: a stream starts once. */
  take(callId: string, now = Date.now()): StartHint | null {
    const hint = this.hints.get(callId)
    if (!hint) return null
    this.hints.delete(callId)
    return hint.expires >= now ? { text: hint.text, voice: hint.voice } : null
  }
}
