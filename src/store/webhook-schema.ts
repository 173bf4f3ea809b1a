/** Webhook tables (migration 2026_12_06_1400_create_webhooks); see schema.ts for the conventions. */

export interface WebhookTable {
  id: string
  url: string
  /** JSON array of event types; null = every type. */
  types: string | null
  /** The signing secret, sealed (core/secret-box.ts): it is needed to sign, so it cannot be a hash. */
  secret_sealed: string
  created_at: string
  /** The last event this webhook is done with; null = none yet. */
  cursor: string | null
  attempts: number
  failing_since: string | null
  next_attempt_at: string
  lease_token: string | null
  lease_until: string | null
}

export interface WebhookDeliveryTable {
  id: string
  webhook_id: string
  event_id: string
  event_type: string
  attempt: number
  outcome: string
  status: number | null
  error: string | null
  duration_ms: number
  created_at: string
}
