// A cap on the connections one address may hold open (MAX_CONNECTIONS_PER_IP), for a service with
// no proxy in front: one client cannot take every socket. The connection over the cap is answered
// 429 in the error shape and closed before its request is read. Counted on the direct peer, which
// behind a proxy is the proxy: leave the cap off there (the default), or set it above the proxy's own.
import type { Socket } from 'node:net'
import type { Config } from '../config.js'
import { global } from './global.js'
import { rawError } from './errors.js'

export default global(async (app, { config }: { config: Config }) => {
  const max = config.connections.maxPerAddress
  if (max === 0) return
  const open = new Map<string, number>()
  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? ''
    const n = (open.get(address) ?? 0) + 1
    if (n > max) {
      socket.write(rawError(429, 'rate_limited', `Too many open connections from this address (at most ${max})`, 'Retry-After: 1\r\n'))
      socket.destroySoon()
      return
    }
    open.set(address, n)
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1
      if (left > 0) open.set(address, left)
      else open.delete(address)
    })
  })
})
