/**
 * Email domains as an org holds them, and the rules a domain name must meet: lower-case IDNA
 * (punycode) form, a real host name with a dot, at most 253 characters, no wildcard, no IP address,
 * not a public suffix (`com`, `co.uk`) and not a public email provider (`gmail.com`). The suffix and
 * provider lists are short, built in and deliberately incomplete: DNS verification is what proves
 * control; the lists stop the mistakes that verification cannot (the operator marking `gmail.com`
 * verified would send every Gmail user to one org's IdP).
 */
import { isIP } from 'node:net'
import { domainToASCII } from 'node:url'
import { findInvisibleCharacter } from './invisible-characters.js'
import { SsoError } from './sso-error.js'

export interface EmailDomain {
  readonly id: string
  readonly orgId: string
  /** Lower-case IDNA form, e.g. `xn--bcher-kva.example`. */
  readonly domain: string
  readonly verificationToken: string
  /** Undefined while pending. */
  readonly verifiedAt: string | undefined
  readonly verifiedBy: 'dns' | 'operator' | undefined
  readonly createdAt: string
}

/** The TXT record the owner publishes at the domain itself (the apex, as Okta and Atlassian ask). */
export function verificationRecord(domain: Pick<EmailDomain, 'domain' | 'verificationToken'>): { type: 'TXT'; name: string; value: string } {
  return { type: 'TXT', name: domain.domain, value: `${VERIFICATION_PREFIX}${domain.verificationToken}` }
}

export const VERIFICATION_PREFIX = 'gatehouse-verification='

/** Multi-label public suffixes (single labels such as `com` are refused as having no dot). */
const PUBLIC_SUFFIXES = new Set([
  ...['co', 'org', 'me', 'ltd', 'plc', 'net', 'ac', 'gov', 'nhs', 'sch', 'police'].map((s) => `${s}.uk`),
  ...['com', 'net', 'org', 'edu', 'gov', 'id', 'asn'].map((s) => `${s}.au`),
  ...['co', 'org', 'net', 'ac', 'govt', 'school'].map((s) => `${s}.nz`),
  ...['co', 'ne', 'or', 'ac', 'go', 'ed', 'gr', 'lg'].map((s) => `${s}.jp`),
  ...['co', 'net', 'org', 'firm', 'gen', 'ind', 'ac', 'edu', 'gov', 'res'].map((s) => `${s}.in`),
  ...['co', 'or', 'ac', 'go', 'ne'].map((s) => `${s}.kr`),
  ...['co', 'org', 'ac', 'gov', 'net'].map((s) => `${s}.za`),
  ...['co', 'org', 'ac', 'gov', 'net'].map((s) => `${s}.il`),
  ...['co', 'or', 'ac', 'go', 'in'].map((s) => `${s}.th`),
  ...['co', 'or', 'ac', 'go', 'web'].map((s) => `${s}.id`),
  ...['co', 'or', 'gv', 'ac'].map((s) => `${s}.at`),
  ...['br', 'cn', 'mx', 'sg', 'hk', 'tw', 'tr', 'ar', 'my', 'ph', 'vn', 'pk', 'ng', 'eg', 'sa', 'ua', 'co', 'pe', 'pl', 'es', 'pt', 'gr', 'cy', 'mt'].flatMap(
    (cc) => ['com', 'net', 'org', 'edu', 'gov'].map((s) => `${s}.${cc}`),
  ),
  'gob.mx',
  'gob.ar',
  'gob.es',
  'gouv.fr',
  'asso.fr',
  'co.ke',
  'co.tz',
  'co.ug',
  // Hosting where anyone gets a subdomain (the private part of the Public Suffix List).
  'github.io',
  'gitlab.io',
  'herokuapp.com',
  'vercel.app',
  'netlify.app',
  'pages.dev',
  'workers.dev',
  'web.app',
  'firebaseapp.com',
  'appspot.com',
  'blogspot.com',
  'azurewebsites.net',
  'cloudapp.net',
  'cloudfront.net',
  'amazonaws.com',
  'onrender.com',
  'fly.dev',
  'ngrok.io',
  'ngrok-free.app',
  'trycloudflare.com',
  'duckdns.org',
])

/** Mailboxes anyone can open: a verified one would hand every user of the provider to one org's IdP. */
const PUBLIC_EMAIL_PROVIDERS = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'yahoo.com',
  'ymail.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'pm.me',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.com',
  'yandex.ru',
  'yandex.com',
  'mail.ru',
  'qq.com',
  '163.com',
  '126.com',
  'zoho.com',
  'fastmail.com',
  'hey.com',
  'tutanota.com',
  'tuta.io',
])

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

const invalid = (message: string) => new SsoError('domain_invalid', message, undefined, 'domain')

/** The canonical form of a domain an owner types (`Bücher.Example.` → `xn--bcher-kva.example`), or a domain_invalid error naming the problem. */
export function normalizeDomain(input: string): string {
  const trimmed = input.trim().replace(/\.$/, '')
  if (trimmed === '') throw invalid('Enter a domain, like acme.com.')
  // IDNA would quietly drop some (a soft hyphen) and refuse others: either way, say which it is.
  const invisible = findInvisibleCharacter(trimmed)
  if (invisible !== undefined)
    throw invalid(`The domain contains an invisible or text-direction character (${invisible}): type it again instead of pasting it.`)
  if (trimmed.includes('@')) throw invalid('Enter only the domain, the part after the @ (acme.com, not jo@acme.com).')
  if (trimmed.includes('*')) throw invalid('A wildcard is not allowed: add each domain (and subdomain) that has mailboxes.')
  if (isIP(trimmed.replace(/^\[|\]$/g, '')) !== 0) throw invalid('An IP address is not a domain.')
  const ascii = trimmed.length > 1000 ? '' : domainToASCII(trimmed)
  if (ascii === '') throw invalid(`"${trimmed.slice(0, 80)}" is not a valid domain name.`)
  if (ascii.length > 253) throw invalid('A domain name is at most 253 characters.')
  const labels = ascii.split('.')
  if (labels.length < 2) throw invalid(`"${ascii}" is a top-level domain (a public suffix): add your own domain, like acme.${ascii}.`)
  const bad = labels.find((label) => !LABEL.test(label))
  if (bad !== undefined)
    throw invalid(`"${bad.slice(0, 80)}" is not a valid part of a domain name: use letters, digits and "-", 1–63 characters, not starting or ending with "-".`)
  if (/^\d+$/.test(labels.at(-1)!)) throw invalid('An IP address is not a domain.')
  if (PUBLIC_SUFFIXES.has(ascii)) throw invalid(`"${ascii}" is a public suffix: add your own domain under it, like acme.${ascii}.`)
  if (PUBLIC_EMAIL_PROVIDERS.has(ascii)) throw invalid(`"${ascii}" is a public email provider: anyone can have an address there.`)
  return ascii
}

/** The normalized domain of an email address, or undefined when it has none that could be verified. */
export function emailDomainOf(email: string): string | undefined {
  const at = email.lastIndexOf('@')
  if (at < 1) return undefined
  try {
    return normalizeDomain(email.slice(at + 1))
  } catch {
    return undefined
  }
}
