/**
 * Outgoing mail. Core never sends: it queues a `mail` job in the transaction of the change that
 * causes the mail (DESIGN §6), and the job worker (jobs/) sends it later through the `Mailer`:
 * SMTP when configured (mail/smtp-mailer.ts), else the development outbox page. A request thus
 * never waits on SMTP, and an SMTP outage delays mail without failing the request or losing it.
 *
 * The message is sealed in the job's payload (secret-box, GATEHOUSE_SECRET_KEY): mails carry
 * single-use links, which the database otherwise keeps only as hashes.
 */
import type { Clock } from './clock.js'
import type { OutboxStore, Stores } from './ports.js'
import { open, seal } from './secret-box.js'
import { newId } from './secret-token.js'

export interface MailMessage {
  readonly to: string
  readonly subject: string
  readonly text: string
}

export interface Mailer {
  send(message: MailMessage): Promise<void>
}

/** The job kind that sends one ready-made message (jobs/send-mail.ts). */
export const MAIL_JOB = 'mail'

export async function enqueueMail(stores: Pick<Stores, 'jobs'>, secretKey: Buffer, message: MailMessage, now: Date): Promise<void> {
  const sealed = seal(secretKey, JSON.stringify({ to: message.to, subject: message.subject, text: message.text }))
  await stores.jobs.enqueue({ kind: MAIL_JOB, payload: { sealed }, runAt: now.toISOString() }, now.toISOString())
}

/** The message of a `mail` job; throws if the payload was not sealed under this key. */
export function openMail(secretKey: Buffer, payload: Readonly<Record<string, unknown>>): MailMessage {
  if (typeof payload.sealed !== 'string') throw new Error('mail job without a sealed message')
  const m = JSON.parse(open(secretKey, payload.sealed)) as MailMessage
  return { to: m.to, subject: m.subject, text: m.text }
}

export function outboxMailer(outbox: OutboxStore, clock: Clock): Mailer {
  return {
    send: async (m) => {
      await outbox.insert({ id: newId(), recipient: m.to, subject: m.subject, body: m.text, createdAt: clock.now().toISOString() })
    },
  }
}
