// Twilio's Calls REST API through the twilio package. TWILIO_API_BASE_URL points every request at
// another server speaking the same API (the tests' stand-in, a regional proxy): the package's own
// request client, with each URL's origin swapped before it is sent.
import twilio from 'twilio'
import { isCallStatus, type CallStatus } from '../store/calls.js'

type RequestOptions<T> = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0] & { data?: T }

class RebasedClient extends twilio.RequestClient {
  constructor(private readonly base: URL) {
    super({ timeout: 10_000 })
  }

  override request<T>(opts: RequestOptions<T>) {
    const url = new URL(opts.uri)
    const path = this.base.pathname.replace(/\/+$/, '') + url.pathname
    return super.request<T>({ ...opts, uri: `${this.base.origin}${path}${url.search}` })
  }
}

/** A call Twilio refused or could not place: its HTTP status and Twilio error code. */
export class TwilioApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    message: string,
  ) {
    super(message)
  }
}

export interface PlacedCall {
  sid: string
  status: CallStatus
}

export interface CallsApi {
  place(p: { to: string; from: string; twiml: string; statusCallback: string }): Promise<PlacedCall>
  /** 'ended': Twilio says the call was already over (20404). */
  hangup(callSid: string): Promise<'completed' | 'ended'>
  /** The live call leaves its stream for this TwiML (an agent's handoff); 'ended' as for hangup. */
  redirect(callSid: string, twiml: string): Promise<'updated' | 'ended'>
}

/** Error 20404: the resource (here, a live call) does not exist. */
const NOT_FOUND = 20404

function rethrow(err: unknown): never {
  const e = err as { status?: number; code?: number; message?: string }
  if (typeof e.status === 'number') throw new TwilioApiError(e.status, e.code, e.message ?? 'Twilio refused the request')
  throw new TwilioApiError(0, undefined, `Twilio could not be reached: ${(err as Error).message}`)
}

export function createCallsApi(accountSid: string, authToken: string, apiBaseUrl?: string): CallsApi {
  const client = twilio(accountSid, authToken, apiBaseUrl ? { httpClient: new RebasedClient(new URL(apiBaseUrl)) } : {})
  /** False when Twilio says the call is already over. */
  async function update(callSid: string, change: { status: 'completed' } | { twiml: string }): Promise<boolean> {
    try {
      await client.calls(callSid).update(change)
      return true
    } catch (err) {
      if ((err as { code?: number }).code === NOT_FOUND) return false
      rethrow(err)
    }
  }
  return {
    async place({ to, from, twiml, statusCallback }) {
      try {
        const call = await client.calls.create({
          to,
          from,
          twiml,
          statusCallback,
          statusCallbackMethod: 'POST',
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        })
        return { sid: call.sid, status: isCallStatus(call.status) ? call.status : 'queued' }
      } catch (err) {
        rethrow(err)
      }
    },
    async hangup(callSid) {
      return (await update(callSid, { status: 'completed' })) ? 'completed' : 'ended'
    },
    async redirect(callSid, twiml) {
      return (await update(callSid, { twiml })) ? 'updated' : 'ended'
    },
  }
}
