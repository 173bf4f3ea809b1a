/**
 * Back-channel logout in tests: a sender standing in for the network that records each POST and
 * answers with the statuses given (200 once they run out), and the RP's check of a logout token
 * (jose against the JWKS of the provider's discovery, as an RP does).
 */
import { expect } from 'vitest'
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose'
import type { WebhookPost, WebhookSender } from '../../src/core/webhook-ports.js'
import type { Rp } from './oidc-rp.js'

export const BACKCHANNEL_URI = 'https://app.example.test/backchannel-logout'
export const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

export interface RecordingSender extends WebhookSender {
  readonly posts: WebhookPost[]
  /** Statuses to answer, in order; 0 answers as a connection failure. */
  readonly answers: number[]
}

export function recordingSender(): RecordingSender {
  const posts: WebhookPost[] = []
  const answers: number[] = []
  return {
    posts,
    answers,
    checkUrl: () => null,
    post: async (p) => {
      posts.push(p)
      const status = answers.shift() ?? 200
      if (status === 0) return { ok: false, status: null, error: 'ECONNREFUSED: connect ECONNREFUSED' }
      return status < 300 ? { ok: true, status } : { ok: false, status, error: `HTTP ${status}` }
    },
  }
}

/** The logout_token of a recorded POST (checking it is a form post of one). */
export function logoutTokenOf(post: WebhookPost): string {
  expect(post.headers['content-type']).toBe('application/x-www-form-urlencoded')
  const form = new URLSearchParams(post.body)
  expect([...form.keys()]).toEqual(['logout_token'])
  return form.get('logout_token')!
}

/** Back-Channel Logout 1.0 §2.6 as an RP checks it: signature by the JWKS, iss, aud, typ, events, no nonce. */
export async function verifyLogoutToken(rp: Rp, token: string, currentDate?: Date): Promise<JWTPayload & Record<string, unknown>> {
  const jwks = createRemoteJWKSet(new URL(rp.config.serverMetadata().jwks_uri!), rp.fetchImpl === undefined ? {} : { [customFetch]: rp.fetchImpl })
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: rp.issuer,
    audience: rp.clientId,
    typ: 'logout+jwt',
    maxTokenAge: '2 minutes',
    ...(currentDate === undefined ? {} : { currentDate }),
  })
  expect(protectedHeader.alg).toBe('RS256')
  expect(decodeProtectedHeader(token).typ).toBe('logout+jwt')
  expect(payload.events).toEqual({ [LOGOUT_EVENT]: {} })
  expect(payload).not.toHaveProperty('nonce')
  expect(typeof payload.jti).toBe('string')
  expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(120)
  return payload
}
