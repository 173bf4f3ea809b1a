/** `mail`: sends one message queued by core (core/mail.ts enqueueMail). */
import { MAIL_JOB, openMail } from '../core/mail.js'
import type { JobKind } from './job-kind.js'

export const sendMail: JobKind = {
  name: MAIL_JOB,
  run: async (deps, payload) => {
    await deps.mailer.send(openMail(deps.settings.secretKey, payload))
  },
}
