/**
 * The deployment's event stream (DESIGN §9; docs/events.md): each event is written by core where the
 * change is made, with the stores of the change's transaction, so the event exists exactly when the
 * change does. Readers page in commit order after an opaque cursor (the store keeps the order safe).
 */
import type { CoreDeps } from './deps.js'
import { EventError } from './event-error.js'
import { EventCursorNotFoundError, type DomainEvent, type EventStore, type EventType } from './ports.js'
import { newSortableId } from './secret-token.js'

export async function recordEvent(
  stores: { readonly events: EventStore },
  event: { type: EventType; orgId: string | null; data: Record<string, unknown> },
  now: Date,
): Promise<void> {
  await stores.events.insert({ id: newSortableId(), type: event.type, orgId: event.orgId, data: event.data, createdAt: now.toISOString() })
}

/** The JSON of one event, as the pull API and webhooks send it. */
export function eventPayload(event: DomainEvent) {
  return {
    id: event.id,
    type: event.type,
    createdAt: event.createdAt,
    org: event.orgId === null ? null : { id: event.orgId, slug: event.orgSlug },
    data: event.data,
  }
}

export interface EventPage {
  readonly events: DomainEvent[]
  /** Where to resume: the last event of the page, or `after` when there was none (null: the stream is empty). */
  readonly nextCursor: string | null
}

/** Events after `after` (a cursor from an earlier page), oldest first. */
export async function listEvents(deps: Pick<CoreDeps, 'store'>, page: { after?: string | undefined; limit: number }): Promise<EventPage> {
  try {
    const events = await deps.store.events.list(page.after, page.limit)
    return { events, nextCursor: events[events.length - 1]?.id ?? page.after ?? null }
  } catch (error) {
    if (error instanceof EventCursorNotFoundError) {
      throw new EventError(
        'event_cursor_unknown',
        'No event has this cursor: events are kept 30 days, so it may have been pruned. Read again without "after" and reconcile.',
      )
    }
    throw error
  }
}
