#!/usr/bin/env node
// Creates or drops a PostgreSQL database for a CI run: node scripts/pg-database.mjs create|drop NAME
// Connects to GATEHOUSE_CI_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/test).
import pg from 'pg'

const [action, name] = process.argv.slice(2)
if (!['create', 'drop'].includes(action) || !/^[a-z_][a-z0-9_]{0,62}$/.test(name ?? '')) {
  console.error('usage: pg-database.mjs create|drop NAME (lower-case letters, digits, _)')
  process.exit(2)
}
const client = new pg.Client({ connectionString: process.env.GATEHOUSE_CI_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test' })
await client.connect()
try {
  if (action === 'create') await client.query(`create database ${name}`)
  else await client.query(`drop database if exists ${name} with (force)`)
} finally {
  await client.end()
}
