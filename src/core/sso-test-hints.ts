/**
 * How to fix each failed check, in the words of an IdP's admin console: shown on the owner's test
 * page next to the failed check. Every failure code of a sign-in has one (a test checks it).
 */
import type { SamlFailureCode } from '../saml/failure.js'
import { ownValue } from './keyed-record.js'

export type TestFailureCode =
  | SamlFailureCode
  | 'email_missing'
  | 'email_invisible_character'
  | 'not_a_member'
  | 'workspace_attribute_invalid'
  | 'sso_not_enabled'
  | 'email_domain_not_allowed'
  | 'idp_configuration_changed'
  | 'account_not_invited'

export const FIX_IT_HINTS: Readonly<Record<TestFailureCode, string>> = {
  response_too_large:
    'The response is over 1 MiB. Send fewer attributes: in Entra ID, emit groups "assigned to the application" instead of all groups; in Okta, filter the groups attribute.',
  response_not_base64: 'What reached the ACS is not a base64 SAML response. Check that the IdP posts to the ACS URL with the HTTP-POST binding.',
  xml_malformed:
    'The response is not well-formed XML. This is an IdP bug or something in between altering the post; try again, and contact the IdP vendor if it persists.',
  xml_dtd_forbidden: 'The response contains a DTD, which Gatehouse never accepts. No real IdP sends one: check what sits between the IdP and Gatehouse.',
  not_a_response: 'The message is not a SAML 2.0 Response. Check that the IdP app is SAML 2.0 (not WS-Federation or SAML 1.1).',
  response_count: 'The message must contain exactly one Response.',
  assertion_count: 'The Response must contain exactly one Assertion (or EncryptedAssertion). Check that the IdP app sends one assertion per response.',
  version_invalid: 'The response is not SAML 2.0. Choose SAML 2.0 in the IdP app.',
  schema_invalid:
    'The Response or Assertion holds an element, text or processing instruction that the SAML schema does not allow there (the detail names it). Real IdPs never send one: check what sits between the IdP and Gatehouse, or report it to the IdP vendor.',
  signature_missing:
    'Neither the Response nor the Assertion is signed. In the IdP app, sign the assertion (Okta signs it by default; Entra ID: "Sign SAML assertion" or "Sign SAML response and assertion").',
  signature_misplaced: "A signature is in a place SAML does not allow (or signs another element). Use the IdP's standard signing options.",
  signature_invalid:
    'The signature does not verify with the IdP certificates configured here. The IdP probably signs with another certificate: download its current signing certificate (or metadata) and configure it again in step 3.',
  signature_reference_invalid:
    "The signature does not cover the element it sits in. Use the IdP's standard signing options; if they are standard, report this to the IdP vendor.",
  signature_algorithm_forbidden:
    'The IdP signs with SHA-1. Switch its signing algorithm to RSA-SHA256 (Entra ID: "Signing algorithm"; ADFS: relying party "Secure hash algorithm"). Only if impossible, set the signature algorithm to RSA-SHA1 here.',
  assertion_not_encrypted:
    'The connection requires encrypted assertions, but the assertion came in plain text. Upload the SP certificate to the IdP and turn on assertion encryption, or stop requiring encryption here.',
  decryption_failed:
    "The encrypted assertion could not be decrypted with Gatehouse's keys. Upload the current SP certificate (step 1) to the IdP, and use RSA-OAEP key transport with AES-GCM or AES-CBC.",
  status_not_success:
    'The IdP answered with an error status instead of signing you in. Its message is shown below; usually the user is not assigned to the app in the IdP.',
  issuer_mismatch:
    'The response comes from another entity ID than the one configured. Copy the IdP\'s entity ID (Okta "Identity Provider Issuer", Entra "Microsoft Entra Identifier") into step 3, or upload current metadata.',
  destination_mismatch:
    'The response is addressed to another URL. In the IdP app, set the ACS URL (Okta "Single sign-on URL", Entra "Reply URL") to exactly the ACS URL of step 1.',
  recipient_mismatch:
    'The assertion\'s Recipient is another URL. In the IdP app, set the ACS URL (Okta "Single sign-on URL", Entra "Reply URL") to exactly the ACS URL of step 1; in Okta, keep "Use this for Recipient URL and Destination URL" checked.',
  bearer_confirmation_missing: "The assertion has no bearer subject confirmation. Use the IdP's web browser SSO (SAML 2.0) app template.",
  audience_missing:
    'The assertion names no audience. Set the SP Entity ID (Okta "Audience URI", Entra "Identifier (Entity ID)", Google "Entity ID") to the SP Entity ID of step 1.',
  audience_mismatch:
    'The assertion is meant for another service. Set the SP Entity ID (Okta "Audience URI", Entra "Identifier (Entity ID)", Google "Entity ID") to exactly the SP Entity ID of step 1.',
  not_yet_valid: "The assertion is not valid yet: the IdP's clock is ahead of Gatehouse's by more than 3 minutes. Fix NTP on the IdP (or on this server).",
  expired:
    'The assertion had expired when it arrived: the clocks differ by more than 3 minutes, or the response was held back. Fix NTP on the IdP (or on this server) and try again.',
  time_invalid: 'A time in the assertion is not a valid UTC date-time. Report it to the IdP vendor.',
  nameid_missing: "The assertion has no NameID. Send the user's email as NameID (format emailAddress).",
  value_has_markup:
    'The NameID, Issuer, Audience or an attribute value holds XML markup (a comment, a processing instruction or an element), so what would be read could differ from what was signed. Send it as plain text.',
  in_response_to_mismatch:
    "The response does not answer this test's request (an IdP-initiated response or an old one). Start the test again from Gatehouse, not from the IdP's dashboard.",
  unsolicited_response:
    'The IdP sent a response nobody asked for, and IdP-initiated sign-in is off for this connection. Start from Gatehouse, or allow IdP-initiated sign-in in step 4.',
  request_unknown: 'The response answers a request Gatehouse does not know or that already expired (10 minutes) or was used. Start again.',
  assertion_replayed: 'This assertion was already used. Start again for a fresh one.',
  email_missing:
    'The IdP sent no email address. Send the email as NameID (format emailAddress), or add an attribute named "email" and list it in the attribute mapping of step 4.',
  email_invisible_character:
    "The email the IdP sent (as NameID or attribute) contains an invisible or text-direction character, shown in the failure. Gatehouse refuses it so that no look-alike of an address can sign in: correct the user's email in the IdP.",
  not_a_member: 'The user is not a member of the organization and provisioning is invite-only. Invite them, or switch provisioning to just-in-time.',
  workspace_attribute_invalid: 'A workspace attribute has a value Gatehouse cannot read. Send a role name, "noaccess", or JSON like {"role":"editor"}.',
  sso_not_enabled: 'Single sign-on is not enabled for this organization.',
  account_not_invited:
    "The email belongs to an existing Gatehouse account (a password, or other organizations). Just-in-time provisioning does not attach existing accounts unless the organization verified the email's domain: invite the user, or add and verify their domain.",
  email_domain_not_allowed:
    "The email is not in one of the organization's verified domains, and just-in-time provisioning only admits those. Invite the user, or add and verify their domain.",
  idp_configuration_changed:
    'The IdP configuration (or the SSO name) changed after this test started, so it proves nothing about the current one. Run the test again.',
}

export function fixItHint(code: string): string {
  return ownValue(FIX_IT_HINTS as Record<string, string>, code) ?? 'Start again; if it keeps failing, check the IdP app against steps 1 and 2.'
}

/** Where in the response each failed check looks: the SAML tracer marks lines of these elements. */
export const FAILURE_ELEMENTS: Readonly<Partial<Record<TestFailureCode, readonly string[]>>> = {
  version_invalid: ['Response'],
  response_count: ['Response'],
  assertion_count: ['Assertion', 'EncryptedAssertion'],
  signature_missing: ['Assertion'],
  signature_misplaced: ['Signature'],
  signature_invalid: ['SignatureValue', 'DigestValue'],
  signature_reference_invalid: ['Reference'],
  signature_algorithm_forbidden: ['SignatureMethod', 'DigestMethod'],
  assertion_not_encrypted: ['Assertion'],
  decryption_failed: ['EncryptedAssertion'],
  status_not_success: ['StatusCode', 'StatusMessage'],
  issuer_mismatch: ['Issuer'],
  destination_mismatch: ['Response'],
  recipient_mismatch: ['SubjectConfirmationData'],
  bearer_confirmation_missing: ['SubjectConfirmation'],
  audience_missing: ['Conditions'],
  audience_mismatch: ['Audience'],
  not_yet_valid: ['Conditions', 'SubjectConfirmationData'],
  expired: ['Conditions', 'SubjectConfirmationData'],
  time_invalid: ['Conditions', 'SubjectConfirmationData'],
  nameid_missing: ['Subject'],
  value_has_markup: ['NameID', 'Issuer', 'Audience', 'AttributeValue'],
  schema_invalid: ['Response', 'Assertion'],
  in_response_to_mismatch: ['Response', 'SubjectConfirmationData'],
  unsolicited_response: ['Response'],
  request_unknown: ['Response', 'SubjectConfirmationData'],
  assertion_replayed: ['Assertion'],
  email_missing: ['NameID', 'AttributeStatement'],
  email_invisible_character: ['NameID', 'AttributeStatement'],
  workspace_attribute_invalid: ['Attribute'],
  email_domain_not_allowed: ['NameID'],
  account_not_invited: ['NameID'],
}

export function failureElements(code: string): readonly string[] {
  return ownValue(FAILURE_ELEMENTS as Record<string, readonly string[]>, code) ?? []
}
