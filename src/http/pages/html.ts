import type { FastifyReply } from 'fastify'
import type { Child } from 'hono/jsx'
import { renderPage } from '../../ui/layout.js'

export function sendPage(reply: FastifyReply, node: Child, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(renderPage(node))
}
