/** Outgoing mail: SMTP when configured (mail/smtp-mailer.ts), else the development outbox page. */
import type { Clock } from './clock.js'
import type { OutboxStore } from './ports.js'
import { newId } from './secret-token.js'

export interface MailMessage {
  readonly to: string
  readonly subject: string
  readonly text: string
}

export interface Mailer {
  send(message: MailMessage): Promise<void>
}

export function outboxMailer(outbox: OutboxStore, clock: Clock): Mailer {
  return {
    send: async (m) => {
      await outbox.insert({ id: newId(), recipient: m.to, subject: m.subject, body: m.text, createdAt: clock.now().toISOString() })
    },
  }
}
