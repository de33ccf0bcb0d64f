// The TwiML the service answers with, built by the twilio package (it escapes attributes).
// A bidirectional stream needs <Connect><Stream>; its URL cannot carry a query string (31920), so
// the call's context travels in <Parameter>s and comes back in the `start` message.
import twilio from 'twilio'

/** Parameters the stream's `start` message carries back to us in customParameters. */
export interface StreamParameters {
  /** Our id of the call (calls.id). */
  call: string
  /** A short-lived token bound to that id. */
  token: string
}

/** Twilio refuses a <Parameter> name + value of 500 characters or more. */
const MAX_PARAMETER = 500

export function streamTwiml(url: string, parameters: StreamParameters): string {
  if (!/^wss?:\/\/[^?#]+$/.test(url)) throw new Error(`a stream URL must be ws(s):// with no query string: ${url}`)
  const response = new twilio.twiml.VoiceResponse()
  const stream = response.connect().stream({ url })
  for (const [name, value] of Object.entries(parameters)) {
    if (name.length + value.length >= MAX_PARAMETER) throw new Error(`stream parameter ${name} is too long`)
    stream.parameter({ name, value })
  }
  return response.toString()
}

/** For a webhook about a call that is already over (a retry, a replay). */
export function hangupTwiml(): string {
  const response = new twilio.twiml.VoiceResponse()
  response.hangup()
  return response.toString()
}

/** A call refused for load: the caller hears a busy signal, and Twilio's status says busy. */
export function busyTwiml(): string {
  const response = new twilio.twiml.VoiceResponse()
  response.reject({ reason: 'busy' })
  return response.toString()
}

/** An agent's handoff: the call leaves its stream for the app's TwiML, which gets the agent's data. */
export function handoffTwiml(url: string, handoffData?: string): string {
  const target = new URL(url)
  if (handoffData !== undefined) target.searchParams.set('HandoffData', handoffData)
  const response = new twilio.twiml.VoiceResponse()
  response.redirect({ method: 'POST' }, target.toString())
  return response.toString()
}

/** A transfer: the call leaves its stream and rings this number, the caller hearing it ring. */
export function dialTwiml(e164: string): string {
  const response = new twilio.twiml.VoiceResponse()
  response.dial(e164)
  return response.toString()
}
