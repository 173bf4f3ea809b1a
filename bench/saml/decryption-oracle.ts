/**
 * Time class of the ACS's answers to forged encrypted assertions (issue 14 item 4): the median
 * validation time of each failure after decryption starts, beside a genuine assertion's. An oracle
 * needs outcomes an attacker can tell apart; the codes are all decryption_failed (tested), and this
 * shows the times are of one class too.  Run: npx tsx bench/saml/decryption-oracle.ts [rounds]
 */
import { constants, createCipheriv, publicEncrypt, randomBytes } from 'node:crypto'
import { validateSamlResponse } from '../../src/saml/validate-response.js'
import { craftXml, createParties, settingsFor } from '../../test/saml/response-recipe.js'

const rounds = Number(process.argv[2] ?? 300)
const XENC = 'http://www.w3.org/2001/04/xmlenc#'
const parties = await createParties()
const signed = await craftXml(parties, {})
const start = signed.indexOf('<saml2:Assertion')
const end = signed.indexOf('</saml2:Assertion>') + '</saml2:Assertion>'.length
const assertion = signed.slice(start, end)

function forge(plaintext: string, badPadding = false, garbageKey = false): string {
  const key = randomBytes(16)
  const iv = randomBytes(16)
  let body = Buffer.from(plaintext)
  const pad = 16 - (body.length % 16)
  body = Buffer.concat([body, randomBytes(pad - 1), Buffer.from([badPadding ? 0 : pad])])
  const c = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false)
  const content = Buffer.concat([iv, c.update(body), c.final()])
  const wrapped = garbageKey
    ? randomBytes(256)
    : publicEncrypt({ key: parties.sp.certificatePem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key)
  const enc = `<saml2:EncryptedAssertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="${XENC}" Type="${XENC}Element"><xenc:EncryptionMethod Algorithm="${XENC}aes128-cbc"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="${XENC}rsa-oaep-mgf1p"/><xenc:CipherData><xenc:CipherValue>${wrapped.toString('base64')}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>${content.toString('base64')}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml2:EncryptedAssertion>`
  return Buffer.from(signed.slice(0, start) + enc + signed.slice(end)).toString('base64')
}

const cases: Record<string, string> = {
  'genuine (accepted)': forge(assertion),
  'bad padding': forge(assertion, true),
  'not XML': forge('x'.repeat(assertion.length)),
  'XML, not an Assertion': forge(`<x:y xmlns:x="urn:x">${'z'.repeat(assertion.length - 30)}</x:y>`),
  'key does not unwrap': forge(assertion, false, true),
}
const settings = settingsFor(parties)
const times: Record<string, number[]> = {}
for (let r = 0; r < rounds; r++) {
  for (const [name, value] of Object.entries(cases)) {
    const t = process.hrtime.bigint()
    const result = await validateSamlResponse(value, settings)
    const us = Number(process.hrtime.bigint() - t) / 1000
    ;(times[name] ??= []).push(us)
    if (r === 0) console.log(`${name}: ${result.ok ? 'accepted' : result.failure.code}`)
  }
}
for (const [name, list] of Object.entries(times)) {
  list.sort((a, b) => a - b)
  console.log(`${name.padEnd(24)} median ${list[Math.floor(list.length / 2)]!.toFixed(0)} µs, p90 ${list[Math.floor(list.length * 0.9)]!.toFixed(0)} µs`)
}
