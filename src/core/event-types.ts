/** Every event type of DESIGN §9 as a value (EventType is the union): webhook type filters are checked against it. */
import type { EventType } from './directory-ports.js'

export const EVENT_TYPES = [
  'member.created',
  'member.updated',
  'member.deactivated',
  'member.reactivated',
  'member.removed',
  'organization.created',
  'organization.deleted',
  'sso.enabled',
  'sso.disabled',
  'sso.certificate_expiring',
  'directory.enabled',
  'directory.disabled',
  'group.created',
  'group.updated',
  'group.deleted',
] as const satisfies readonly EventType[]

// A type added to EventType and not listed above fails to compile here.
const _everyTypeListed: [Exclude<EventType, (typeof EVENT_TYPES)[number]>] extends [never] ? true : never = true

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value)
}
