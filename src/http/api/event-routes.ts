/** Operator API: the deployment's event stream, oldest first (DESIGN §9; docs/events.md). */
import type { CoreDeps } from '../../core/deps.js'
import { eventPayload, listEvents } from '../../core/events.js'
import { route, type ApiRoute } from './route.js'
import { EventList, EventQuery } from './schemas.js'

export function eventRoutes(deps: CoreDeps): ApiRoute[] {
  return [
    route({
      method: 'GET',
      path: '/events',
      tag: 'Events',
      security: 'operator',
      summary:
        'Events oldest first, after the cursor `after`: members, roles, directory and SSO changes. Resume with `nextCursor`; fewer than `limit` events means you are caught up',
      query: EventQuery,
      response: EventList,
      handle: async ({ query }) => {
        const page = await listEvents(deps, { after: query.after, limit: query.limit })
        return { data: page.events.map(eventPayload), nextCursor: page.nextCursor }
      },
    }),
  ]
}
