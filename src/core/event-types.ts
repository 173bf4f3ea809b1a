/** Every event type of DESIGN §9 as a value (EventType is the union): webhook type filters are checked against it. */
import { EVENT_TYPES } from './directory-ports.js'

export { EVENT_TYPES }

export function isEventType(value: string): value is (typeof EVENT_TYPES)[number] {
  return (EVENT_TYPES as readonly string[]).includes(value)
}
