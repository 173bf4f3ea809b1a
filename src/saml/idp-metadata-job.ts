/**
 * parseIdpMetadata as a message in and a message out, for the metadata worker thread: plain,
 * structured-clonable data both ways (certificates as PEM; a MetadataError as its code and message).
 *
 * @example
 * const result = runMetadataJob({ id: 1, xml, entityId: undefined, now: Date.now() })
 * if (result.ok) result.metadata.signingCertificates // ['-----BEGIN CERTIFICATE-----…']
 */
import { MetadataError, parseIdpMetadata, type IdpSingleLogout, type MetadataErrorCode } from './idp-metadata.js'

export interface MetadataJob {
  readonly id: number
  readonly xml: string
  readonly entityId: string | undefined
  /** The caller's clock, in milliseconds since the epoch (warnings about expiry are relative to it). */
  readonly now: number
}

/** What the SSO set-up keeps of parsed IdP metadata. */
export interface ParsedIdpMetadata {
  readonly entityId: string
  readonly ssoUrls: { readonly redirect?: string; readonly post?: string }
  readonly singleLogout: IdpSingleLogout | undefined
  /** Signing certificates as normalized PEM, in document order, without duplicates. */
  readonly signingCertificates: readonly string[]
  readonly nameIdFormats: readonly string[]
  readonly validUntil: string | undefined
  readonly warnings: readonly string[]
}

export type MetadataJobResult =
  | { readonly id: number; readonly ok: true; readonly metadata: ParsedIdpMetadata }
  | { readonly id: number; readonly ok: false; readonly code: MetadataErrorCode | undefined; readonly message: string }

export function runMetadataJob(job: MetadataJob): MetadataJobResult {
  try {
    const parsed = parseIdpMetadata(job.xml, { entityId: job.entityId, now: new Date(job.now) })
    return {
      id: job.id,
      ok: true,
      metadata: {
        entityId: parsed.entityId,
        ssoUrls: { ...parsed.ssoUrls },
        singleLogout: parsed.singleLogout === undefined ? undefined : { ...parsed.singleLogout },
        signingCertificates: parsed.signingCertificates.map((c) => c.pem),
        nameIdFormats: [...parsed.nameIdFormats],
        validUntil: parsed.validUntil,
        warnings: [...parsed.warnings],
      },
    }
  } catch (error) {
    if (error instanceof MetadataError) return { id: job.id, ok: false, code: error.code, message: error.message }
    return { id: job.id, ok: false, code: undefined, message: (error as Error).message }
  }
}
