/**
 * The `Gatehouse-Signature` header (DESIGN §9): `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * The timestamp is signed with the body, so a receiver that refuses a `t` older than its tolerance
 * (docs/events.md: 5 minutes) cannot be fed a captured delivery again later. The key is the whole
 * secret string as shown at registration (`whsec_…`), as UTF-8.
 */
import { createHmac } from 'node:crypto'

export const SIGNATURE_HEADER = 'Gatehouse-Signature'

export function signWebhookBody(secret: string, body: string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000)
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex')
  return `t=${t},v1=${v1}`
}
