// Reads a provider body under a byte cap: a hostile or broken AIHubMix cannot make the proxy
// buffer megabytes (SPEC §9 oversized mode). Past the cap the stream is dropped, not drained.
import { createProviderError, type ProviderEndpoint } from './failure.js'

// 1 MiB: a token or userinfo answer is a few hundred bytes; this leaves room for odd providers.
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

export async function readBoundedBody (
  body: AsyncIterable<Uint8Array>, maxBytes: number, endpoint: ProviderEndpoint
): Promise<string> {
  const chunks: Uint8Array[] = []
  let size = 0
  // Leaving the loop early calls the iterator's return(), which destroys the stream.
  for await (const chunk of body) {
    size += chunk.byteLength
    if (size > maxBytes) throw createProviderError('bad_response', endpoint, { reason: 'body too large' })
    chunks.push(chunk)
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks))
  } catch {
    // No cause: a decoder message could quote the bytes.
    throw createProviderError('bad_response', endpoint, { reason: 'body is not UTF-8' })
  }
}
