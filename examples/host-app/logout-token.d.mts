import type { JWTPayload } from 'jose'

export const BACKCHANNEL_LOGOUT_EVENT: string

export class LogoutTokenError extends Error {}

/** Validates one logout token (Back-Channel Logout 1.0 §2.6): its claims, or throws LogoutTokenError. */
export function logoutTokenVerifier(options: {
  issuer: string
  clientId: string
  jwksUri: string
  algorithms?: string[]
}): (token: string) => Promise<JWTPayload & { sid?: string; events: Record<string, unknown> }>
