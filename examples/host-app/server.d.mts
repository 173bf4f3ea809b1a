import type { Server } from 'node:http'

export interface HostAppOptions {
  /** Gatehouse's issuer, `{BASE_URL}/oidc`. */
  readonly issuer: string
  readonly clientId: string
  /** Omit for a public client (PKCE only). */
  readonly clientSecret?: string | undefined
  /** Where the app is reached; its redirect URI is `${appUrl}/callback`. */
  readonly appUrl: string
  readonly port: number
  readonly host?: string
  /** The webhook's secret (`whsec_…`): turns on POST /webhooks/gatehouse. */
  readonly webhookSecret?: string | undefined
  /** An operator token: the user table is reconciled from GET /api/v1/events before the app listens. */
  readonly apiToken?: string | undefined
  /** A JSON file keeping the user table, the events seen and the pull cursor across restarts. */
  readonly stateFile?: string | undefined
  readonly log?: Pick<Console, 'info' | 'warn' | 'error'>
}

export function startHostApp(options: HostAppOptions): Promise<{ server: Server; close(): Promise<void> }>
