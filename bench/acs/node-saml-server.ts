/**
 * The comparison server of the HTTP benchmark: a bare Fastify app (no logger, no other routes) with
 * @fastify/formbody and one ACS route that runs @node-saml/node-saml configured as a strict SP,
 * exactly as in bench/acs/validate.ts. 303 to /dashboard when node-saml accepts, 403 otherwise.
 * Started by bench/acs/http.ts with its settings as JSON in NODE_SAML_BENCH.
 */
import formbody from '@fastify/formbody'
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml'
import Fastify from 'fastify'

interface Settings {
  port: number
  path: string
  idpCert: string
  idpIssuer: string
  entityId: string
  acsUrl: string
  privateKeyPem: string
}

const settings = JSON.parse(process.env.NODE_SAML_BENCH ?? '') as Settings
const saml = new SAML({
  idpCert: settings.idpCert,
  idpIssuer: settings.idpIssuer,
  issuer: settings.entityId,
  audience: settings.entityId,
  callbackUrl: settings.acsUrl,
  wantAuthnResponseSigned: false,
  wantAssertionsSigned: true,
  acceptedClockSkewMs: 180_000,
  validateInResponseTo: ValidateInResponseTo.never,
  privateKey: settings.privateKeyPem,
  decryptionPvk: settings.privateKeyPem,
})

const app = Fastify({ logger: false })
await app.register(formbody, { bodyLimit: 3 * 1024 * 1024 })
app.post(settings.path, async (request, reply) => {
  const body = request.body as { SAMLResponse?: string } | undefined
  try {
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: body?.SAMLResponse ?? '' })
    if (profile === null || profile.nameID === undefined) return reply.code(403).send('no profile')
    return reply.redirect('/dashboard', 303)
  } catch (error) {
    return reply.code(403).send((error as Error).message)
  }
})
app.get('/healthz', async () => ({ ok: true }))
await app.listen({ port: settings.port, host: '127.0.0.1' })
