/** Development only: the mail Gatehouse would have sent, newest first. */
import type { FC } from 'hono/jsx'
import type { OutboxMessage } from '../../core/types.js'
import { Layout } from '../layout.js'

/** The mail's text with its http(s) links clickable (only those: a link is text the page escapes, never markup). */
function withLinks(body: string) {
  return body.split(/(https?:\/\/[^\s<>"']+)/).map((part, i) => (i % 2 === 1 ? <a href={part}>{part}</a> : part))
}

export const OutboxPage: FC<{ messages: readonly OutboxMessage[] }> = ({ messages }) => (
  <Layout title="Development outbox" wide>
    <h1>Development outbox</h1>
    <p class="notice">No SMTP server is configured, so mail lands here. This page does not exist when NODE_ENV=production.</p>
    {messages.length === 0 && <p class="muted">No mail yet.</p>}
    {messages.map((m) => (
      <article class="card mail">
        <h2>{m.subject}</h2>
        <p class="muted">
          To {m.recipient} · <time datetime={m.createdAt}>{m.createdAt.replace('T', ' ').slice(0, 19)} UTC</time>
        </p>
        <pre>{withLinks(m.body)}</pre>
      </article>
    ))}
  </Layout>
)
