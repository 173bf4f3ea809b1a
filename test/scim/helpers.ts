/** Builders for SCIM test resources: a user or group as the store would hand it to the protocol module. */
import { parseGroupBody, type ScimGroup } from '../../src/scim/group.js'
import { parseUserBody, type ScimUser } from '../../src/scim/user.js'

export const META = { created: '2026-01-01T00:00:00.000Z', lastModified: '2026-01-01T00:00:00.000Z' }
export const BASE_URL = 'https://sso.example.com/scim/v2/dir_1'

/** A stored user made from a POST body (so fixtures go through the same validation). */
export function storedUser(body: unknown, id = 'u-1'): ScimUser {
  const parsed = parseUserBody(body)
  if (!parsed.ok) throw new Error(`fixture user invalid: ${parsed.error.message}`)
  return { ...parsed.value, id, meta: META }
}

export function storedGroup(body: unknown, id = 'g-1'): ScimGroup {
  const parsed = parseGroupBody(body)
  if (!parsed.ok) throw new Error(`fixture group invalid: ${parsed.error.message}`)
  return { ...parsed.value, id, meta: META }
}

/** The value of a result that must have succeeded (its error's code in the failure message). */
export function expectOk<T>(result: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`)
  return result.value
}

/** The error code of a result that must have failed. */
export function errorCode(result: { ok: true } | { ok: false; error: { code: string } }): string {
  return result.ok ? 'ok' : result.error.code
}
