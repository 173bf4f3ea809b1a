/** `password_reset`: answers a forgot-password request by mail (core/password-reset.ts decides what). */
import { PASSWORD_RESET_JOB, sendPasswordResetMail } from '../core/password-reset.js'
import type { JobKind } from './job-kind.js'

export const passwordResetMail: JobKind = {
  name: PASSWORD_RESET_JOB,
  run: async (deps, payload) => {
    if (typeof payload.email !== 'string') throw new Error('password_reset job without an email')
    await sendPasswordResetMail(deps, payload.email)
  },
}
