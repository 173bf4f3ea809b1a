/** SMTP delivery through nodemailer, when GATEHOUSE_SMTP_URL is set. */
import nodemailer from 'nodemailer'
import type { Mailer } from '../core/mail.js'

export function smtpMailer(smtp: { url: string; from: string }): Mailer {
  const transport = nodemailer.createTransport(smtp.url)
  return {
    send: async (m) => {
      await transport.sendMail({ from: smtp.from, to: m.to, subject: m.subject, text: m.text })
    },
  }
}
