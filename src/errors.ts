// Every coded error the proxy raises is declared here, once (STYLE §3.2). Codes are never
// renamed or reused; each one is documented in docs/errors.md (test/errors.test.ts enforces it).
// Branch on the class or `code`, never on the message text.
import createError from '@fastify/error'

// --- config ---
export const ConfigInvalid = createError<'AAP_ERR_CONFIG_INVALID', [string]>(
  'AAP_ERR_CONFIG_INVALID', 'invalid configuration:\n%s', 500)

// --- cli ---
export const CliUsage = createError<'AAP_ERR_CLI_USAGE', [string]>(
  'AAP_ERR_CLI_USAGE', '%s', 500, Error, false)

// --- provider ---

// --- session ---

// --- routes ---

// --- proxy ---
