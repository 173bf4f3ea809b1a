/**
 * The discovery documents (RFC 7644 §4, RFC 7643 §5–7): ServiceProviderConfig, ResourceTypes and
 * Schemas, built for one directory's base URL.
 *
 * @example
 * reply.send(serviceProviderConfig(baseUrl))           // GET /ServiceProviderConfig
 * reply.send(resourceTypesList(baseUrl))               // GET /ResourceTypes
 * const schema = findSchema(baseUrl, id)               // GET /Schemas/{id}, 404 when undefined
 */
import { listResponse, MAX_PAGE_SIZE, type ScimListResponse } from './list.js'
import type { JsonObject } from './json.js'
import { SCHEMAS } from './schema-definitions.js'
import { ENTERPRISE_USER_URN, GROUP_URN, RESOURCE_TYPE_URN, SCHEMA_URN, SERVICE_PROVIDER_CONFIG_URN, USER_URN } from './urns.js'

/** RFC 7643 §5: what this server supports. Bulk, sort, ETags and password change are not. */
export function serviceProviderConfig(baseUrl: string, maxResults = MAX_PAGE_SIZE): JsonObject {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_URN],
    documentationUri: 'https://datatracker.ietf.org/doc/html/rfc7644',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'The directory token, as "Authorization: Bearer <token>"',
        specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  }
}

/** RFC 7643 §6: one ResourceType document. */
function resourceType(baseUrl: string, name: 'User' | 'Group'): JsonObject {
  const user = name === 'User'
  return {
    schemas: [RESOURCE_TYPE_URN],
    id: name,
    name,
    endpoint: user ? '/Users' : '/Groups',
    description: user ? 'User Account' : 'Group',
    schema: user ? USER_URN : GROUP_URN,
    schemaExtensions: user ? [{ schema: ENTERPRISE_USER_URN, required: false }] : [],
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${name}` },
  }
}

export function resourceTypesList(baseUrl: string): ScimListResponse {
  return listResponse([resourceType(baseUrl, 'User'), resourceType(baseUrl, 'Group')], 2, 1)
}

/** GET /ResourceTypes/{name}; undefined for an unknown name (404). */
export function findResourceType(baseUrl: string, name: string): JsonObject | undefined {
  if (name === 'User' || name === 'Group') return resourceType(baseUrl, name)
  return undefined
}

function schemaDocument(baseUrl: string, index: number): JsonObject {
  const schema = SCHEMAS[index]!
  return {
    schemas: [SCHEMA_URN],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes as unknown as JsonObject[],
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  }
}

export function schemasList(baseUrl: string): ScimListResponse {
  return listResponse(
    SCHEMAS.map((_, i) => schemaDocument(baseUrl, i)),
    SCHEMAS.length,
    1,
  )
}

/** GET /Schemas/{id}; undefined for an unknown id (404). */
export function findSchema(baseUrl: string, id: string): JsonObject | undefined {
  const index = SCHEMAS.findIndex((schema) => schema.id === id)
  return index < 0 ? undefined : schemaDocument(baseUrl, index)
}
