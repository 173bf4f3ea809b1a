/**
 * Every route the application serves, read from Fastify's own routing tree (`printRoutes`), so a test
 * that walks them covers a route added tomorrow without being told. Each parsed route is checked
 * against `hasRoute`, so a change in the tree's printed form fails loudly instead of skipping routes.
 */
import type { FastifyInstance, HTTPMethods } from 'fastify'

export interface AppRoute {
  readonly method: HTTPMethods
  /** Fastify syntax: `/orgs/:org/members/:member`, `/oidc/*`. */
  readonly url: string
}

const LINE = /^([│ ]*)[├└]── (.+?) \(([A-Z, ]+)\)$/

export function appRoutes(app: FastifyInstance): AppRoute[] {
  const tree = app.printRoutes({ commonPrefix: false })
  const prefixes: string[] = []
  const routes: AppRoute[] = []
  for (const line of tree.split('\n')) {
    if (line.trim() === '') continue
    const match = LINE.exec(line)
    if (match === null) throw new Error(`unreadable line in printRoutes: ${JSON.stringify(line)}`)
    const depth = match[1]!.length / 4
    const url = (depth === 0 ? '' : prefixes[depth - 1]!) + match[2]!
    prefixes[depth] = url
    prefixes.length = depth + 1
    for (const method of match[3]!.split(', ')) {
      // The printed tree joins a wildcard to its parent without the slash (`/oidc` + `*`).
      const route = { method, url: url.endsWith('*') && !url.endsWith('/*') ? `${url.slice(0, -1)}/*` : url }
      if (!app.hasRoute({ method: route.method, url: route.url })) throw new Error(`printRoutes names ${method} ${route.url}, which hasRoute does not know`)
      routes.push(route)
    }
  }
  return routes
}

/** The `:name` parameters of a route, in order. */
export function paramsOf(url: string): string[] {
  return [...url.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!)
}
