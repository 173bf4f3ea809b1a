/**
 * SMTP delivery through nodemailer, when GATEHOUSE_SMTP_URL is set. nodemailer (3 MB of heap once
 * loaded) is loaded with the first mail: a process that sends none, like one that only serves
 * sign-ins, never carries it, and the full GCs of a busy ACS have that much less to mark.
 */
import { createRequire } from 'node:module'
import type { Transporter } from 'nodemailer'
import type { Mailer } from '../core/mail.js'

export function smtpMailer(smtp: { url: string; from: string }): Mailer {
  let transport: Transporter | undefined
  return {
    send: async (m) => {
      transport ??= (createRequire(import.meta.url)('nodemailer') as typeof import('nodemailer')).createTransport(smtp.url)
      await transport.sendMail({ from: smtp.from, to: m.to, subject: m.subject, text: m.text })
    },
  }
}
