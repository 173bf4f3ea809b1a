/** Request and response shapes of the webhook routes (DESIGN §9), shared by validation and OpenAPI. */
import { z } from 'zod'
import { EVENT_TYPES } from '../../core/event-types.js'

const Timestamp = z.string().describe('ISO 8601, UTC')

export const WebhookParams = z.object({ id: z.string().max(100) }).strict()
export const WebhookInput = z
  .object({
    url: z.string().min(1).max(2048).describe('where deliveries are POSTed; in production https and a public address'),
    types: z
      .array(z.string().max(100))
      .max(100)
      .optional()
      .describe(`event types to receive (${EVENT_TYPES.join(', ')}); leave out for every type`),
  })
  .strict()
export const Webhook = z.object({
  id: z.string(),
  url: z.string(),
  types: z.array(z.string()).nullable().describe('null: every type'),
  createdAt: Timestamp,
  lastEventId: z.string().nullable().describe('the last event it is done with (delivered, not of its types, or given up on)'),
  failingAttempts: z.number().int().describe('failed attempts at the next event (0 when healthy)'),
  failingSince: Timestamp.nullable(),
  nextAttemptAt: Timestamp,
})
export const CreatedWebhook = z.object({
  id: z.string(),
  url: z.string(),
  types: z.array(z.string()).nullable(),
  secret: z.string().describe('the signing secret (whsec_…); shown in this answer only'),
  createdAt: Timestamp,
})
export const WebhookList = z.object({ data: z.array(Webhook) })
export const WebhookDelivery = z.object({
  eventId: z.string(),
  eventType: z.string(),
  attempt: z.number().int().describe('1 for the first attempt at this event'),
  outcome: z.enum(['delivered', 'retrying', 'failed']).describe('failed: given up after 24 hours of retries'),
  status: z.number().int().nullable().describe("the receiver's HTTP status; null when it did not answer"),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  createdAt: Timestamp,
})
export const WebhookDeliveryList = z.object({ data: z.array(WebhookDelivery).describe('newest first; the last 100 attempts') })
