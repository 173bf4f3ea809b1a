/**
 * What a request in a directory's log means, in plain words for the IT admin who set up the IdP
 * (DESIGN §8: "what an IT admin needs when Entra only says BadRequest"). The log keeps the status and
 * the SCIM error's `detail`; the request line tells a filter from a body.
 */
import type { DirectoryRequest } from './directory-ports.js'

/** Where each IdP takes the token: the field to paste it into again. */
export const TOKEN_FIELDS = 'Okta “Authorization” (after Bearer), Entra ID “Secret Token”, OneLogin “SCIM Bearer Token”, JumpCloud “Token Key”'

type Explained = Pick<DirectoryRequest, 'method' | 'path' | 'status' | 'errorDetail'>

const withDetail = (text: string, detail: string | null) => (detail === null || detail === '' ? text : `${text} Gatehouse said: “${detail}”`)

/** The explanation of a refused request, or undefined for one that succeeded. */
export function explainDirectoryRequest(request: Explained): string | undefined {
  const { status, errorDetail: detail } = request
  if (status < 400) return undefined
  if (status === 401) {
    return `The token is wrong, revoked, or directory sync is turned off. Create a token on this page (or turn sync on again) and paste it into the IdP's token field: ${TOKEN_FIELDS}.`
  }
  if (status === 409) {
    return withDetail(
      'Uniqueness: a user with this userName (email) is in the directory already, or this member is linked to another user of the directory. Look in the IdP for two users with the same email; the IdP usually looks the user up by userName and then updates it instead.',
      detail,
    )
  }
  if (status === 404) {
    return withDetail(
      'Not found: the directory has no user (or group) with this id. It was deleted here or never created; the IdP usually creates it again at its next sync. If it keeps failing, re-provision the user in the IdP.',
      detail,
    )
  }
  if (status === 400 && request.method === 'GET' && /[?&]filter=/i.test(request.path)) {
    return withDetail(
      'invalidFilter: the IdP searched with a filter Gatehouse does not support. Gatehouse finds users with eq on userName, externalId, id and emails, joined by and; check the IdP\'s "matching" attribute is userName.',
      detail,
    )
  }
  if (status === 400 && detail?.includes('may not be provisioned') === true) {
    return withDetail(
      "Refused by the organization's rules: the directory may create accounts only in the organization's verified email domains. Verify the domain under Single sign-on, or invite the person.",
      detail,
    )
  }
  if (status === 400) {
    return withDetail(
      'invalidValue: the IdP sent an attribute Gatehouse cannot accept. Check the attribute mappings in the IdP: userName must be the email.',
      detail,
    )
  }
  if (status === 413) return 'The request body was over 512 KiB: send fewer members or operations per request.'
  if (status >= 500) return 'Gatehouse failed on this request; the IdP retries it. If it repeats, tell the service operator the time of the request.'
  return withDetail(`Refused with status ${status}.`, detail)
}
