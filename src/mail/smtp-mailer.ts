/**
 * SMTP delivery through nodemailer, when GATEHOUSE_SMTP_URL is set; only the job worker sends
 * (jobs/send-mail.ts), never a request. nodemailer (3 MB of heap once loaded) is loaded with the first
 * mail: a process that sends none, like one that only serves sign-ins, never carries it, and the full
 * GCs of a busy ACS have that much less to mark.
 *
 * Timeouts are well under a job's time limit (jobs/run-due-jobs.ts), so a hung server fails the
 * attempt (retried later) rather than holding the job past its lease.
 */
import { createRequire } from 'node:module'
import type { Transporter } from 'nodemailer'
import type { Mailer } from '../core/mail.js'

const TIMEOUTS = { connectionTimeout: 20_000, greetingTimeout: 20_000, socketTimeout: 60_000 }

export function smtpMailer(smtp: { url: string; from: string }): Mailer {
  let transport: Transporter | undefined
  return {
    send: async (m) => {
      transport ??= (createRequire(import.meta.url)('nodemailer') as typeof import('nodemailer')).createTransport({ url: smtp.url, ...TIMEOUTS })
      await transport.sendMail({ from: smtp.from, to: m.to, subject: m.subject, text: m.text })
    },
  }
}
