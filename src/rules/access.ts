// Who may use the upstream (§3 allowedUsers, allowedEmailDomains, minBalance; §2 status).
// Checked at the callback and again on every request, so a narrowed rule applies to sessions
// that already exist: hence compiled Sets and no per-request parsing of the config.
//
// Decisions (the SPEC is silent on them):
// - `status` must be exactly the number 1. A missing status (or "1" as a string) is not proof
//   of an active account and counts as disabled.
// - User ids compare as strings (`12` and "12" are the same user); entries are trimmed, and
//   no other normalization happens ("012" is not 12).
// - The email's domain is what follows its last '@' (RFC 5321: a quoted local part may hold
//   '@'), lower-cased, compared exactly; `.example.com` matches subdomains only, so write both
//   `example.com` and `.example.com` for both. No IDNA mapping: AIHubMix reports the address
//   as registered; write a non-ASCII domain's entries the same way.
// - parseBalance reads a decimal: surrounding and inner whitespace, currency signs (Unicode
//   category Sc: ¥ ￥ $ € £ ...) and ',' are ignored, ',' always as a thousands separator
//   (AIHubMix formats with '.' decimals). Exponents, currency codes ("USD 5"), NaN and
//   Infinity are unreadable. A JSON number is taken as is when finite.
// - A balance equal to minBalance is enough; unreadable or missing counts as below (§3).

export interface AccessPolicyOptions {
  allowedUsers: ReadonlyArray<string | number>
  allowedEmailDomains: readonly string[]
  minBalance?: number | undefined
}

export interface AccessPolicy {
  readonly users: ReadonlySet<string>
  readonly exactDomains: ReadonlySet<string>
  readonly domainSuffixes: readonly string[]
  readonly restricted: boolean
  readonly minBalance: number | undefined
}

export interface AccountFacts {
  id: number | string
  email?: string | undefined
  status?: number | undefined
}

export type AccountDecision = { ok: true } | { ok: false, reason: 'disabled' | 'not_allowed' }
export type BalanceDecision = { ok: true } | { ok: false, balance: string | undefined }

const IGNORED_IN_BALANCE = /[\p{Sc}\p{Z}\s,]/gu
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/

export function compileAccessPolicy (options: AccessPolicyOptions): AccessPolicy {
  const users = new Set(options.allowedUsers.map((u) => String(u).trim()))
  const exactDomains = new Set<string>()
  const domainSuffixes: string[] = []
  for (const entry of options.allowedEmailDomains) {
    const domain = entry.trim().toLowerCase()
    if (domain.startsWith('.')) domainSuffixes.push(domain)
    else exactDomains.add(domain)
  }
  return Object.freeze({
    users,
    exactDomains,
    domainSuffixes: Object.freeze(domainSuffixes),
    restricted: users.size > 0 || exactDomains.size > 0 || domainSuffixes.length > 0,
    minBalance: options.minBalance
  })
}

export function checkAccount (user: AccountFacts, policy: AccessPolicy): AccountDecision {
  if (user.status !== 1) return { ok: false, reason: 'disabled' }
  if (!policy.restricted) return { ok: true }
  if (policy.users.has(String(user.id))) return { ok: true }
  if (user.email !== undefined && isAllowedEmail(user.email, policy)) return { ok: true }
  return { ok: false, reason: 'not_allowed' }
}

function isAllowedEmail (email: string, policy: AccessPolicy): boolean {
  const at = email.lastIndexOf('@')
  if (at <= 0) return false
  const domain = email.slice(at + 1).toLowerCase()
  if (domain === '') return false
  if (policy.exactDomains.has(domain)) return true
  for (const suffix of policy.domainSuffixes) {
    if (domain.length > suffix.length && domain.endsWith(suffix)) return true
  }
  return false
}

export function parseBalance (balanceFormatted: unknown): number | undefined {
  if (typeof balanceFormatted === 'number') return Number.isFinite(balanceFormatted) ? balanceFormatted : undefined
  if (typeof balanceFormatted !== 'string') return undefined
  const digits = balanceFormatted.replace(IGNORED_IN_BALANCE, '')
  return DECIMAL.test(digits) ? Number(digits) : undefined
}

export function checkBalance (balanceFormatted: unknown, policy: AccessPolicy): BalanceDecision {
  const min = policy.minBalance
  if (min === undefined) return { ok: true }
  const balance = parseBalance(balanceFormatted)
  if (balance !== undefined && balance >= min) return { ok: true }
  return { ok: false, balance: displayBalance(balanceFormatted) }
}

// For the 402 body (§3): what AIHubMix showed, never an object.
function displayBalance (balanceFormatted: unknown): string | undefined {
  if (typeof balanceFormatted === 'string') return balanceFormatted
  if (typeof balanceFormatted === 'number') return String(balanceFormatted)
  return undefined
}
