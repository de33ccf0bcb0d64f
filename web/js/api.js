// The API from the page: the key lives in this tab's session storage only, and every error the
// API gives is turned into a sentence a person can act on.
const STORE = 'callwaiting.key'

export const key = {
  get: () => sessionStorage.getItem(STORE),
  set: (k) => sessionStorage.setItem(STORE, k),
  clear: () => sessionStorage.removeItem(STORE),
}

const WORDS = {
  400: 'The request was not valid.',
  422: 'The request was not valid.',
  401: 'The key was not accepted: it is wrong, revoked, or was not sent.',
  403: 'This key may not do that (it lacks the scope).',
  404: 'Not found.',
  408: 'The request took too long to arrive.',
  409: 'That cannot be done now.',
  413: 'The request is too large.',
  429: 'Too many requests for this key or address: wait a moment and try again.',
  502: 'A service this one depends on (Twilio) failed.',
  503: 'The service cannot do this now.',
}

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message)
    this.status = status
    this.code = code
    this.retryAfter = retryAfter
  }
}

/** A failed response as an ApiError whose message is words: the API's own message, with its status explained. */
export async function errorOf(res) {
  let body = null
  try { body = await res.json() } catch { /* not our JSON shape: the status says enough */ }
  const said = body?.error?.message
  const general = WORDS[res.status] ?? `The server answered ${res.status}.`
  const retry = res.headers.get('retry-after')
  const message = said ? `${general} ${said}${/[.!?]$/.test(said) ? '' : '.'}` : general
  return new ApiError(res.status, body?.error?.code ?? 'http_' + res.status, retry ? `${message} (Try again in ${retry} s.)` : message, retry)
}

/** fetch with the key; throws ApiError on a status other than 2xx. */
export async function request(method, path, body, signal) {
  const headers = { 'x-api-key': key.get() ?? '' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  let res
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal })
  } catch (err) {
    if (err.name === 'AbortError') throw err
    throw new ApiError(0, 'network', 'The server could not be reached: check the connection.')
  }
  if (!res.ok) throw await errorOf(res)
  return res
}

export const getJson = async (path) => (await request('GET', path)).json()
export const sendJson = async (method, path, body) => {
  const res = await request(method, path, body)
  return res.status === 204 ? null : res.json()
}
