/**
 * What an owner does about an IdP signing certificate that is about to expire, in their IdP's own
 * words: the IdP is recognised from its entity ID and SSO URL (Okta, Entra ID, Google Workspace,
 * OneLogin), else the advice is generic. Used in the expiry and new-certificate mails.
 */
import type { IdpConfig } from './sso-connection.js'

export type IdpVendor = 'okta' | 'entra' | 'google' | 'onelogin' | 'other'

const VENDOR_HOSTS: readonly [IdpVendor, RegExp][] = [
  ['okta', /(^|\.)(okta|oktapreview|okta-emea|okta-gov)\.com$/],
  ['entra', /(^|\.)(login\.microsoftonline\.com|sts\.windows\.net|login\.microsoftonline\.us)$/],
  ['google', /(^|\.)accounts\.google\.com$/],
  ['onelogin', /(^|\.)onelogin\.com$/],
]

/** Okta's entity IDs are `http://www.okta.com/<id>`; the others name their own host. */
export function idpVendor(idp: Pick<IdpConfig, 'entityId' | 'ssoUrlRedirect' | 'ssoUrlPost'>): IdpVendor {
  if (/^https?:\/\/www\.okta\.com\//i.test(idp.entityId)) return 'okta'
  for (const candidate of [idp.ssoUrlRedirect, idp.ssoUrlPost, idp.entityId]) {
    const host = hostOf(candidate)
    if (host === undefined) continue
    const match = VENDOR_HOSTS.find(([, pattern]) => pattern.test(host))
    if (match !== undefined) return match[0]
  }
  return 'other'
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined
  try {
    return new URL(url).hostname.toLowerCase()
  } catch {
    return undefined
  }
}

const IN_THE_IDP: Readonly<Record<IdpVendor, string>> = {
  okta: 'In the Okta Admin Console: Applications → your app → Sign On → SAML Signing Certificates → Generate new certificate. Then, once Gatehouse has the new certificate (below), choose Actions → Activate on it.',
  entra:
    'In the Microsoft Entra admin center: Enterprise applications → your app → Single sign-on → SAML Certificates → New Certificate (Save), then, once Gatehouse has the new certificate (below), "…" → Make certificate active.',
  google:
    'In the Google Admin console: Security → Authentication → SSO with SAML applications → Add certificate (or Apps → Web and mobile apps → your app → Download metadata after the new certificate is active). Google signs with the new certificate once you switch the app to it.',
  onelogin:
    'In OneLogin: Security → Certificates → New (SHA-256, 2048 bits), then Applications → your app → SSO → X.509 Certificate → Change, and choose the new certificate once Gatehouse has it (below).',
  other:
    "In your identity provider's admin console, create (or renew) the SAML signing certificate of the Gatehouse app, and switch the app to it once Gatehouse has it (below).",
}

/** The steps, as lines of a plain-text mail. */
export function certificateRenewalSteps(idp: IdpConfig, options: { metadataUrl: string | undefined; idpPageUrl: string }): string[] {
  const inGatehouse =
    options.metadataUrl !== undefined
      ? `Gatehouse reads your IdP's metadata from ${options.metadataUrl} every hour: once the IdP publishes the new certificate there, Gatehouse trusts it by itself (you will get a mail). Switch the IdP to it after that.`
      : `Upload the new certificate (or the IdP's new metadata, or its metadata URL, which Gatehouse then re-reads every hour) at ${options.idpPageUrl}, keeping the current certificate in the list until the IdP has switched.`
  return [`1. ${IN_THE_IDP[idpVendor(idp)]}`, `2. In Gatehouse: ${inGatehouse}`]
}
