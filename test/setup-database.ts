/** After each file of the database suites: drop the PostgreSQL schemas it kept for reuse (helpers/database.ts). */
import { afterAll } from 'vitest'
import { dropKeptDatabases } from './helpers/database.js'

afterAll(() => dropKeptDatabases())
