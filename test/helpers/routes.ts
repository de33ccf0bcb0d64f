// Every route an app serves, read from Fastify's own route tree (`printRoutes`), so a suite that
// must cover every route learns of a new one without anyone adding it to a list.

export interface Route {
  method: string
  /** The full URL pattern, e.g. `/v1/calls/:callSid/say`. */
  url: string
}

/**
 * Parses `app.printRoutes({ commonPrefix: false })`: one node per line, indented four columns per
 * level under its parent, each naming the rest of its path and the methods served there.
 */
export function routesOf(app: { printRoutes(opts: { commonPrefix: false }): string }): Route[] {
  const routes: Route[] = []
  const stack: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (!m) continue
    const depth = m[1].length / 4
    stack.length = depth
    stack.push(m[2])
    const url = stack.join('')
    for (const method of m[3]?.split(', ') ?? []) routes.push({ method, url })
  }
  return routes
}
