/** Errors of webhook management (DESIGN §9). `message` is safe to show; `field` names the input at fault. */
export type WebhookErrorCode = 'webhook_not_found' | 'webhook_url_invalid' | 'webhook_types_invalid'

export class WebhookError extends Error {
  override name = 'WebhookError'
  constructor(
    readonly code: WebhookErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }
}
