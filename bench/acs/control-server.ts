/**
 * Control for the HTTP benchmark's latency figures: a bare Fastify + @fastify/formbody route that
 * spends a fixed amount of CPU per request (CONTROL_BURN_MS, busy loop) and answers 303, with no
 * SAML, database or logging. Its p99/p50 under the same autocannon load shows what the closed loop,
 * Node's HTTP server and this machine do to tail latency by themselves: a floor for any Node server
 * with that cost per request. Started by bench/acs/http.ts on CONTROL_PORT.
 */
import formbody from '@fastify/formbody'
import Fastify from 'fastify'

const burnMs = Number(process.env.CONTROL_BURN_MS ?? 4)
const app = Fastify({ logger: false })
await app.register(formbody, { bodyLimit: 3 * 1024 * 1024 })
app.post('/saml/:ssoName/acs', async (request, reply) => {
  const body = request.body as { SAMLResponse?: string } | undefined
  if (typeof body?.SAMLResponse !== 'string') return reply.code(400).send('no SAMLResponse')
  const start = performance.now()
  while (performance.now() - start < burnMs) {
    // burn CPU like a request handler that costs burnMs
  }
  return reply.redirect('/dashboard', 303)
})
app.get('/healthz', async () => ({ ok: true }))
await app.listen({ port: Number(process.env.CONTROL_PORT), host: '127.0.0.1' })
