// The recent calls as they change, for the console's live view (GET /v1/calls/events). A call
// changes on whichever instance Twilio's webhook or stream reaches, and its frames count up on the
// instance holding its stream; the database and the hub see all of that from any instance. So,
// while anyone is watching (and only then), one loop per instance reads the newest calls and the
// live state of those streaming, and hands the list to every watcher; each sends on only what changed.
import type { Queryable } from '../store/db.js'
import { isLive, listCalls, type Call } from '../store/calls.js'
import type { CallHub, LiveInfo } from '../telephony/call-hub.js'

/** How often the calls are read while someone watches: a call's start or end shows within this. */
export const WATCH_INTERVAL_MS = 500
/** The newest calls watched: the console's list. */
const WATCHED = 50

export interface WatchedCall {
  call: Call
  live: LiveInfo | null
}

type Listener = (calls: WatchedCall[]) => void

export class CallWatch {
  private readonly listeners = new Set<Listener>()
  private timer: NodeJS.Timeout | null = null
  private running = false
  private failing = false

  constructor(
    private readonly db: Queryable,
    private readonly hub: CallHub,
    private readonly log: { warn(o: object, m: string): void },
  ) {}

  /** `listener` gets the watched calls at once, then after every read; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    this.timer ??= setInterval(() => void this.read(), WATCH_INTERVAL_MS)
    setImmediate(() => void this.read())
    return () => {
      this.listeners.delete(listener)
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer)
        this.timer = null
      }
    }
  }

  private async read(): Promise<void> {
    if (this.running || this.listeners.size === 0) return
    this.running = true
    try {
      const calls = await listCalls(this.db, { limit: WATCHED })
      const watched = await Promise.all(calls.map(async (call) => ({
        call,
        // Only a call with a stream begun can be held anywhere (the hub asks no one otherwise).
        live: call.callSid && isLive(call) && call.streamSid ? await this.hub.info(call.callSid).catch(() => null) : null,
      })))
      for (const listener of this.listeners) listener(watched)
      this.failing = false
    } catch (err) {
      // The database away: the watchers keep what they have and the next read tries again
      // (logged once per outage, not twice a second).
      if (!this.failing) this.log.warn({ err }, 'reading calls for the console failed')
      this.failing = true
    } finally {
      this.running = false
    }
  }
}
