/** What core functions are given by the composition root (http/app.ts, cli.ts, tests). */
import type { Clock } from './clock.js'
import type { MetadataParser } from './metadata-parser.js'
import type { Mailer } from './mail.js'
import type { Metrics } from './metrics.js'
import type { PasswordHasher } from './password-hasher.js'
import type { Store } from './ports.js'
import type { SetupLinkScope } from './setup-link-ports.js'
import type { WebhookSender } from './webhook-ports.js'

export interface CoreSettings {
  readonly baseUrl: string
  readonly workspaceRoles: readonly string[]
  readonly session: { readonly idleMinutes: number; readonly absoluteHours: number }
  /** Days a rotated SP key pair is published before it signs (core/sp-keys.ts); 0: at once. */
  readonly spKeyPublicationDays: number
  readonly rateLimit: { readonly windowMinutes: number; readonly perAccount: number; readonly perIp: number }
  /** Seals SP private keys at rest. */
  readonly secretKey: Buffer
  /** Production refuses http and private addresses for metadata URLs (SSRF). */
  readonly production: boolean
}

/** Fetches IdP metadata from a URL (with timeout, size cap and SSRF rules); injected so tests can serve it. */
export type MetadataFetcher = (url: string) => Promise<string>

/**
 * The TXT records at a DNS name, each as the character-strings it was published in (as node's
 * `resolveTxt` gives them); `[]` when the name or its TXT records do not exist. Throws
 * `SsoError('dns_lookup_failed')` when the lookup itself fails (timeout, SERVFAIL, refused).
 */
export type TxtResolver = (name: string) => Promise<string[][]>

export interface CoreDeps {
  readonly store: Store
  readonly clock: Clock
  readonly hasher: PasswordHasher
  readonly mailer: Mailer
  readonly settings: CoreSettings
  readonly fetchMetadata: MetadataFetcher
  /** Parses IdP metadata off the event loop (core/metadata-parser.ts). */
  readonly parseMetadata: MetadataParser
  readonly resolveTxt: TxtResolver
  /** Counters for /metrics (core/metrics.ts); `noMetrics` counts nothing. */
  readonly metrics: Metrics
  /** Posts webhook deliveries under the outbound URL rules (net/webhook-sender.ts); injected so tests choose the policy. */
  readonly webhookSender: WebhookSender
}

/** Who did something, for permission checks and the audit log. */
export type Actor =
  | { readonly kind: 'operator' }
  | { readonly kind: 'user'; readonly userId: string; readonly email: string }
  | { readonly kind: 'system'; readonly name: string }
  /**
   * Someone with no account using a set-up link (DESIGN §2): never a member, never an owner. Core
   * lets it do only what its scopes allow in its own org (core/setup-link-access.ts); every other
   * check that knows only users and the operator refuses it.
   */
  | {
      readonly kind: 'setup-link'
      readonly linkId: string
      readonly orgId: string
      readonly scopes: readonly SetupLinkScope[]
      /** Who made the link, as actors are named (`operator`, `user:{email}`). */
      readonly createdBy: string
    }

export function describeActor(actor: Actor): string {
  switch (actor.kind) {
    case 'operator':
      return 'operator'
    case 'user':
      return `user:${actor.email}`
    case 'system':
      return `system:${actor.name}`
    case 'setup-link':
      return `set-up link ${actor.linkId} (created by ${actor.createdBy.replace(/^user:/, '')})`
  }
}
