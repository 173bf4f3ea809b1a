/**
 * core/logout-token.ts: the logout token as Back-Channel Logout 1.0 §2.4 defines it, signed with
 * node:crypto and verified here by jose for both algorithms of the provider's keys (ES256 as a raw
 * r||s signature, RFC 7518 §3.4), with sid only when asked.
 */
import { generateKeyPairSync } from 'node:crypto'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { BACKCHANNEL_LOGOUT_EVENT, signLogoutToken } from '../src/core/logout-token.js'
import type { PrivateJwk } from '../src/core/oidc-keys.js'

function keyPair(alg: 'RS256' | 'ES256') {
  const pair = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const meta = { kid: `k-${alg}`, alg, use: 'sig' }
  return {
    privateJwk: { ...pair.privateKey.export({ format: 'jwk' }), ...meta } as PrivateJwk,
    publicJwk: { ...pair.publicKey.export({ format: 'jwk' }), ...meta },
  }
}

describe('signLogoutToken', () => {
  for (const alg of ['RS256', 'ES256'] as const) {
    it(`makes a ${alg} logout+jwt that jose verifies, with the event, sid and no nonce`, async () => {
      const { privateJwk, publicJwk } = keyPair(alg)
      const now = new Date()
      const token = signLogoutToken(privateJwk, { issuer: 'https://gh.example/oidc', clientId: 'c1', sub: 'u1', sid: 's1', now })
      const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: [publicJwk] }), {
        issuer: 'https://gh.example/oidc',
        audience: 'c1',
        typ: 'logout+jwt',
        algorithms: [alg],
      })
      expect(protectedHeader).toMatchObject({ alg, kid: `k-${alg}`, typ: 'logout+jwt' })
      expect(payload).toMatchObject({ sub: 'u1', sid: 's1', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } })
      expect(payload.exp! - payload.iat!).toBe(120)
      expect(payload).not.toHaveProperty('nonce')
    })
  }

  it('leaves sid out when the client does not want it, and makes a new jti each time', () => {
    const { privateJwk } = keyPair('RS256')
    const claims = { issuer: 'https://gh.example/oidc', clientId: 'c1', sub: 'u1', sid: undefined, now: new Date() }
    const decode = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>
    const a = decode(signLogoutToken(privateJwk, claims))
    const b = decode(signLogoutToken(privateJwk, claims))
    expect(a).not.toHaveProperty('sid')
    expect(a.jti).not.toBe(b.jti)
  })
})
