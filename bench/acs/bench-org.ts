/** The one org bench/acs/http.ts signs in to: acme, SSO to the bench IdP, enabled through the operator API on `port`. */
export async function setUpBenchOrg(port: number, adminToken: string, idp: { entityId: string; certificatePem: string }) {
  await operator(adminToken, 'POST', '/organizations', { name: 'Acme', slug: 'acme' }, port)
  await operator(adminToken, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' }, port)
  await operator(
    adminToken,
    'PUT',
    '/organizations/acme/sso/idp',
    { ssoUrl: 'https://idp.bench.test/sso', entityId: idp.entityId, certificates: [idp.certificatePem] },
    port,
  )
  await operator(adminToken, 'PATCH', '/organizations/acme/sso/policy', { allowIdpInitiated: true, provisioning: 'just-in-time' }, port)
  return (await operator(adminToken, 'POST', '/organizations/acme/sso/enable', { skipTest: true }, port)) as {
    sp: { entityId: string; acsUrl: string; certificate: string }
  }
}

async function operator(adminToken: string, method: string, path: string, payload: unknown, port: number): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return text === '' ? undefined : JSON.parse(text)
}
