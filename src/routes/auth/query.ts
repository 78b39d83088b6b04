// The auth routes read their parameters from the raw query, not Fastify's parsed object, so a
// duplicated parameter is seen (SPEC §4: missing or duplicated parameters answer 400).

export type QueryValue = { ok: true, value: string | undefined } | { ok: false }

export function readQuery (url: string, name: string): QueryValue {
  const q = url.indexOf('?')
  if (q === -1) return { ok: true, value: undefined }
  const all = new URLSearchParams(url.slice(q + 1)).getAll(name)
  if (all.length > 1) return { ok: false }
  return { ok: true, value: all[0] }
}

// For optional parameters such as rd, where a duplicate simply counts as absent.
export function singleQueryValue (url: string, name: string): string | undefined {
  const read = readQuery(url, name)
  return read.ok ? read.value : undefined
}

// A link to one of the proxy's own pages that carries a validated `rd` on (sign_in, start);
// `/` is the default there, so it is left out.
export function withRd (path: string, rd: string): string {
  return rd === '/' ? path : `${path}?rd=${encodeURIComponent(rd)}`
}
