/** Operator API: webhooks and their delivery log (DESIGN §9; rules in core/webhooks.ts). The secret is in the creation answer only. */
import type { CoreDeps } from '../../core/deps.js'
import { createWebhook, deleteWebhook, getWebhook, listWebhookDeliveries, listWebhooks } from '../../core/webhooks.js'
import { route, type ApiRoute } from './route.js'
import { CreatedWebhook, Webhook, WebhookDeliveryList, WebhookInput, WebhookList, WebhookParams } from './webhook-schemas.js'

const operator = { kind: 'operator' } as const

export function webhookRoutes(deps: CoreDeps): ApiRoute[] {
  const tag = 'Webhooks'
  return [
    route({
      method: 'POST',
      path: '/webhooks',
      tag,
      security: 'operator',
      status: 201,
      summary: 'Register a webhook: every event from now on (of its types) is POSTed to the URL, signed; the secret is in this answer only',
      body: WebhookInput,
      response: CreatedWebhook,
      handle: async ({ body }) => {
        const { webhook, secret } = await createWebhook(deps, operator, body)
        return { id: webhook.id, url: webhook.url, types: webhook.types, secret, createdAt: webhook.createdAt }
      },
    }),
    route({
      method: 'GET',
      path: '/webhooks',
      tag,
      security: 'operator',
      summary: 'Every webhook, oldest first, with where its deliveries stand (never a secret)',
      response: WebhookList,
      handle: async () => ({ data: await listWebhooks(deps) }),
    }),
    route({
      method: 'GET',
      path: '/webhooks/:id',
      tag,
      security: 'operator',
      summary: 'One webhook and where its deliveries stand (never its secret)',
      params: WebhookParams,
      response: Webhook,
      errors: [404],
      handle: async ({ params }) => getWebhook(deps, params.id),
    }),
    route({
      method: 'DELETE',
      path: '/webhooks/:id',
      tag,
      security: 'operator',
      summary: 'Delete a webhook: nothing more is sent to it; its delivery log goes with it',
      params: WebhookParams,
      errors: [404],
      handle: async ({ params }) => {
        await deleteWebhook(deps, operator, params.id)
      },
    }),
    route({
      method: 'GET',
      path: '/webhooks/:id/deliveries',
      tag,
      security: 'operator',
      summary: 'The last delivery attempts, newest first: event, outcome, HTTP status or error, duration',
      params: WebhookParams,
      response: WebhookDeliveryList,
      errors: [404],
      handle: async ({ params }) => ({
        data: (await listWebhookDeliveries(deps, params.id)).map((d) => ({
          eventId: d.eventId,
          eventType: d.eventType,
          attempt: d.attempt,
          outcome: d.outcome,
          status: d.status,
          error: d.error,
          durationMs: d.durationMs,
          createdAt: d.createdAt,
        })),
      }),
    }),
  ]
}
