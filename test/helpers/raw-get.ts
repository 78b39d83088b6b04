// A GET that sends the path exactly as written: URL parsing in a client would resolve `..`, `//`
// and `#` before the proxy ever saw them.
import { Client } from 'undici'

export interface RawAnswer { status: number, location: string | undefined, body: string }

export async function rawGet (origin: string, path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const client = new Client(origin)
  try {
    const res = await client.request({ method: 'GET', path, headers })
    const location = res.headers.location
    return { status: res.statusCode, location: location === undefined ? undefined : String(location), body: await res.body.text() }
  } finally {
    await client.close()
  }
}
