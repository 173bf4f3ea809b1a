/**
 * The filter queries of filter.ts evaluated in memory: the reference semantics the store's SQL must
 * agree with (tests run both), and a fallback for small in-memory directories.
 */
import { foldCase, type ScimGroupCondition, type ScimGroupQuery, type ScimUserCondition, type ScimUserQuery } from './filter.js'
import type { ScimGroup } from './group.js'
import type { ScimUser } from './user.js'

export function matchesUserQuery(user: ScimUser, query: ScimUserQuery): boolean {
  return query.conditions.every((condition) => matchesUserCondition(user, condition))
}

export function matchesGroupQuery(group: ScimGroup, query: ScimGroupQuery): boolean {
  return query.conditions.every((condition) => matchesGroupCondition(group, condition))
}

function matchesUserCondition(user: ScimUser, condition: ScimUserCondition): boolean {
  switch (condition.attribute) {
    case 'id':
      return user.id === condition.value
    case 'externalId':
      return user.externalId === condition.value
    case 'userName':
      return foldCase(user.userName) === foldCase(condition.value)
    case 'emails.value': {
      const { type } = condition
      return user.emails.some(
        (email) =>
          foldCase(email.value) === foldCase(condition.value) && (type === undefined || (email.type !== undefined && foldCase(email.type) === foldCase(type))),
      )
    }
  }
}

function matchesGroupCondition(group: ScimGroup, condition: ScimGroupCondition): boolean {
  switch (condition.attribute) {
    case 'id':
      return group.id === condition.value
    case 'externalId':
      return group.externalId === condition.value
    case 'displayName':
      return foldCase(group.displayName) === foldCase(condition.value)
    case 'members.value':
      return group.members.some((member) => member.value === condition.value)
  }
}
