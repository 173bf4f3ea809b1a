/** The deployment's event stream (DESIGN §9): written with the change, in its transaction. */
import type { EventStore, EventType } from './directory-ports.js'
import { newSortableId } from './secret-token.js'

export async function recordEvent(
  stores: { readonly events: EventStore },
  event: { type: EventType; orgId: string | null; data: Record<string, unknown> },
  now: Date,
): Promise<void> {
  await stores.events.insert({ id: newSortableId(), type: event.type, orgId: event.orgId, data: event.data, createdAt: now.toISOString() })
}
