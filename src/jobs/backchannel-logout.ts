/**
 * `backchannel_logout`: sends one OpenID Connect Back-Channel Logout 1.0 logout token (queued by
 * core/backchannel-logout.ts when a session ends). A 2xx is done; a 4xx other than 408/429 means the
 * app refused the token: audited (`oidc.backchannel_logout_failed`), logged, not retried; anything
 * else (5xx, timeout, connection refused) throws, so the queue retries with back-off (jobs/back-off.ts).
 * Logs name the client and status, never the token.
 */
import { deliverBackchannelLogout, parseBackchannelPayload, BACKCHANNEL_LOGOUT_JOB } from '../core/backchannel-logout.js'
import type { JobKind } from './job-kind.js'

export const backchannelLogout: JobKind = {
  name: BACKCHANNEL_LOGOUT_JOB,
  run: async (deps, payload) => {
    const job = parseBackchannelPayload(payload)
    const result = await deliverBackchannelLogout(deps, job)
    const about = { event: 'oidc_backchannel_logout', client: job.clientId, reason: job.reason }
    switch (result.outcome) {
      case 'delivered':
        deps.logger.info({ ...about, status: result.status }, 'back-channel logout delivered')
        return
      case 'skipped':
        deps.logger.info(about, 'back-channel logout skipped: the client has no back-channel logout URI now')
        return
      case 'given_up':
        deps.logger.warn({ ...about, status: result.status, error: result.error }, 'back-channel logout refused by the app; not retried')
        return
      case 'retry':
        throw new Error(`back-channel logout to client ${job.clientId}: ${result.error}`)
    }
  },
}
