/**
 * The /Schemas documents (RFC 7643 §7): the attributes Gatehouse reads and returns, with the
 * characteristics clients use (caseExact, mutability, uniqueness). Attributes kept in `extra` are
 * stored and returned but not described, as RFC 7643 §7 allows.
 */
import { ENTERPRISE_USER_URN, GROUP_URN, USER_URN } from './urns.js'

interface AttributeOptions {
  type?: 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime'
  multiValued?: boolean
  required?: boolean
  caseExact?: boolean
  mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly'
  returned?: 'always' | 'never' | 'default' | 'request'
  uniqueness?: 'none' | 'server' | 'global'
  subAttributes?: SchemaAttribute[]
  referenceTypes?: string[]
  description?: string
}

export interface SchemaAttribute {
  name: string
  type: string
  multiValued: boolean
  description: string
  required: boolean
  caseExact: boolean
  mutability: string
  returned: string
  uniqueness: string
  subAttributes?: SchemaAttribute[]
  referenceTypes?: string[]
}

function attribute(name: string, options: AttributeOptions = {}): SchemaAttribute {
  const described: SchemaAttribute = {
    name,
    type: options.type ?? 'string',
    multiValued: options.multiValued ?? false,
    description: options.description ?? name,
    required: options.required ?? false,
    caseExact: options.caseExact ?? false,
    mutability: options.mutability ?? 'readWrite',
    returned: options.returned ?? 'default',
    uniqueness: options.uniqueness ?? 'none',
  }
  if (options.subAttributes) described.subAttributes = options.subAttributes
  if (options.referenceTypes) described.referenceTypes = options.referenceTypes
  return described
}

const emailParts = [attribute('value'), attribute('display'), attribute('type'), attribute('primary', { type: 'boolean' })]

export interface SchemaDefinition {
  id: string
  name: string
  description: string
  attributes: SchemaAttribute[]
}

export const USER_SCHEMA: SchemaDefinition = {
  id: USER_URN,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute('userName', { required: true, uniqueness: 'server', description: 'The email address the user signs in with' }),
    attribute('externalId', { caseExact: true }),
    attribute('name', {
      type: 'complex',
      subAttributes: ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map((n) => attribute(n)),
    }),
    attribute('displayName'),
    attribute('active', { type: 'boolean' }),
    attribute('emails', { type: 'complex', multiValued: true, subAttributes: emailParts }),
    attribute('groups', {
      type: 'complex',
      multiValued: true,
      mutability: 'readOnly',
      subAttributes: [attribute('value', { mutability: 'readOnly', caseExact: true }), attribute('display', { mutability: 'readOnly' })],
    }),
  ],
}

export const ENTERPRISE_USER_SCHEMA: SchemaDefinition = {
  id: ENTERPRISE_USER_URN,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    ...['employeeNumber', 'costCenter', 'organization', 'division', 'department'].map((n) => attribute(n)),
    attribute('manager', {
      type: 'complex',
      subAttributes: [attribute('value', { caseExact: true }), attribute('displayName', { mutability: 'readOnly' })],
    }),
  ],
}

export const GROUP_SCHEMA: SchemaDefinition = {
  id: GROUP_URN,
  name: 'Group',
  description: "Group: its displayName is an IdP role identifier for the organization's role mapping",
  attributes: [
    attribute('displayName', { required: true }),
    attribute('externalId', { caseExact: true }),
    attribute('members', {
      type: 'complex',
      multiValued: true,
      subAttributes: [
        attribute('value', { mutability: 'immutable', caseExact: true }),
        attribute('display', { mutability: 'immutable' }),
        attribute('$ref', { type: 'reference', mutability: 'immutable', referenceTypes: ['User'] }),
      ],
    }),
  ],
}

export const SCHEMAS: readonly SchemaDefinition[] = [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA]
