/**
 * OpenID Connect Back-Channel Logout 1.0 §2.6, as a relying party validates a logout token, with
 * `jose` (the library openid-client is built on): signature by a key of the issuer's JWKS (never
 * `alg: none`, never a key the token brings), `iss` the issuer, `aud` this client, `iat` recent and
 * `exp` not passed, `typ` logout+jwt when present, the back-channel logout event, a `sid` or `sub`,
 * and no `nonce` (which would make it an ID token passed off as a logout token).
 */
import { createRemoteJWKSet, jwtVerify } from 'jose'

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

export class LogoutTokenError extends Error {}

/** `jwksUri` from the issuer's discovery; returns a function checking one token (the claims, or LogoutTokenError). */
export function logoutTokenVerifier({ issuer, clientId, jwksUri, algorithms = ['RS256', 'ES256'] }) {
  const jwks = createRemoteJWKSet(new URL(jwksUri))
  return async (token) => {
    let payload
    let protectedHeader
    try {
      ;({ payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer,
        audience: clientId,
        algorithms,
        requiredClaims: ['iat', 'exp', 'jti', 'events'],
        maxTokenAge: '5 minutes',
        clockTolerance: 30,
      }))
    } catch (error) {
      throw new LogoutTokenError(`logout token refused: ${error.code ?? error.message}`)
    }
    // §2.4: typ logout+jwt (explicit typing, RFC 8725 §3.11); a token without typ is accepted, as the spec allows.
    if (protectedHeader.typ !== undefined && protectedHeader.typ.toLowerCase().replace(/^application\//, '') !== 'logout+jwt')
      throw new LogoutTokenError('logout token refused: typ is not logout+jwt')
    const event = payload.events?.[BACKCHANNEL_LOGOUT_EVENT]
    if (event === null || typeof event !== 'object' || Array.isArray(event)) throw new LogoutTokenError('logout token refused: no back-channel logout event')
    if ('nonce' in payload) throw new LogoutTokenError('logout token refused: it carries a nonce')
    if (typeof payload.sid !== 'string' && typeof payload.sub !== 'string') throw new LogoutTokenError('logout token refused: neither sid nor sub')
    return payload
  }
}
