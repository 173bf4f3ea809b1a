/**
 * OpenID Connect Back-Channel Logout 1.0 §2.4 logout tokens, signed like the ID tokens (the newest
 * RS256 key of the provider's JWKS, core/oidc-keys.ts). A JWS in compact form made with node:crypto
 * (jose is not a runtime dependency): header `typ: logout+jwt` (§2.4, so it cannot be mistaken for an
 * ID token), claims iss, aud, iat, exp, jti, sub, sid when the client wants it, and the
 * back-channel logout event — never a nonce (§2.4: its absence tells it from an ID token).
 */
import { createPrivateKey, randomBytes, sign } from 'node:crypto'
import type { PrivateJwk } from './oidc-keys.js'

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'
/** Short-lived: a retry signs a fresh token, so a token never needs to outlive one delivery. */
export const LOGOUT_TOKEN_TTL_SECONDS = 120

export interface LogoutTokenClaims {
  readonly issuer: string
  readonly clientId: string
  readonly sub: string
  /** Absent when the client does not require sessions (backchannel_logout_session_required false). */
  readonly sid: string | undefined
  readonly now: Date
}

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

export function signLogoutToken(key: PrivateJwk, claims: LogoutTokenClaims): string {
  const iat = Math.floor(claims.now.getTime() / 1000)
  const payload = {
    iss: claims.issuer,
    aud: claims.clientId,
    iat,
    exp: iat + LOGOUT_TOKEN_TTL_SECONDS,
    jti: randomBytes(16).toString('base64url'),
    sub: claims.sub,
    ...(claims.sid === undefined ? {} : { sid: claims.sid }),
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  }
  const input = `${part({ alg: key.alg, typ: 'logout+jwt', kid: key.kid })}.${part(payload)}`
  const privateKey = createPrivateKey({ key: key as unknown as import('node:crypto').JsonWebKey, format: 'jwk' })
  // JWS (RFC 7518 §3.4): ES256 signatures are the raw r||s, not DER.
  const signature = sign('sha256', Buffer.from(input), key.alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey)
  return `${input}.${signature.toString('base64url')}`
}
