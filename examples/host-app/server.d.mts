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
}

export function startHostApp(options: HostAppOptions): Promise<{ server: Server; close(): Promise<void> }>
