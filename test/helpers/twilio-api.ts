// A local server speaking the part of Twilio's REST API that outbound calls use: create a call
// (POST /2010-04-01/Accounts/{AccountSid}/Calls.json) and update one, e.g. to hang up
// (POST .../Calls/{CallSid}.json). Form-encoded requests, Basic auth, JSON answers and Twilio's
// error shape ({code, message, more_info, status}); 20404 for a call that is not live.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sid } from './twilio-stream.js'

export interface FakeCall {
  sid: string
  to: string
  from: string
  twiml: string
  statusCallback: string | null
  statusCallbackEvents: string[]
  status: string
}

export interface TwilioApi {
  /** http://127.0.0.1:PORT: what TWILIO_API_BASE_URL is set to. */
  url: string
  calls: Map<string, FakeCall>
  /** Every request: method, path, form fields. */
  requests: { method: string; path: string; form: Record<string, string[]> }[]
  /** Called when the service hangs a call up (a test then stops that call's stream, as Twilio would). */
  onHangup: (call: FakeCall) => void
  /** The next create answers with this status and Twilio error code instead. */
  failNext: { status: number; code: number; message: string } | null
  close(): Promise<void>
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function error(res: ServerResponse, status: number, code: number, message: string): void {
  send(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status })
}

function resource(accountSid: string, c: FakeCall) {
  return {
    sid: c.sid, account_sid: accountSid, to: c.to, from: c.from, status: c.status, direction: 'outbound-api',
    api_version: '2010-04-01', uri: `/2010-04-01/Accounts/${accountSid}/Calls/${c.sid}.json`,
    date_created: new Date().toUTCString(), date_updated: new Date().toUTCString(),
  }
}

async function readForm(req: IncomingMessage): Promise<Record<string, string[]>> {
  let body = ''
  for await (const chunk of req) body += chunk
  const form: Record<string, string[]> = {}
  for (const [k, v] of new URLSearchParams(body)) (form[k] ??= []).push(v)
  return form
}

export async function startTwilioApi(accountSid: string, authToken: string): Promise<TwilioApi> {
  const api: TwilioApi = {
    url: '',
    calls: new Map(),
    requests: [],
    onHangup: () => {},
    failNext: null,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
  const basic = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`
  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const form = await readForm(req)
    api.requests.push({ method: req.method ?? '', path, form })
    if (req.headers.authorization !== basic) return error(res, 401, 20003, 'Authenticate')
    const one = (k: string) => form[k]?.[0]
    const create = new RegExp(`^/2010-04-01/Accounts/${accountSid}/Calls\\.json$`)
    const update = new RegExp(`^/2010-04-01/Accounts/${accountSid}/Calls/(CA[0-9a-f]{32})\\.json$`)
    if (req.method === 'POST' && create.test(path)) {
      if (api.failNext) {
        const f = api.failNext
        api.failNext = null
        return error(res, f.status, f.code, f.message)
      }
      const to = one('To')
      const from = one('From')
      if (!to || !/^\+\d+$/.test(to)) return error(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`)
      if (!from) return error(res, 400, 21603, "A 'From' phone number is required.")
      const twiml = one('Twiml') ?? ''
      if (twiml.length > 4000) return error(res, 400, 21620, 'Twiml is too long')
      const call: FakeCall = { sid: sid('CA'), to, from, twiml, statusCallback: one('StatusCallback') ?? null, statusCallbackEvents: form.StatusCallbackEvent ?? [], status: 'queued' }
      api.calls.set(call.sid, call)
      return send(res, 201, resource(accountSid, call))
    }
    const m = update.exec(path)
    if (req.method === 'POST' && m) {
      const call = api.calls.get(m[1])
      if (!call || ['completed', 'canceled', 'failed', 'busy', 'no-answer'].includes(call.status)) {
        return error(res, 404, 20404, `The requested resource ${path} was not found`)
      }
      if (one('Status') === 'completed') {
        call.status = 'completed'
        api.onHangup(call)
      }
      return send(res, 200, resource(accountSid, call))
    }
    return error(res, 404, 20404, `The requested resource ${path} was not found`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return api
}
