// sha256 of a string, straight to hex or base64. Node ≥ 20.12 hashes in one call (crypto.hash) with
// no Hash object and no intermediate Buffer — about a third of createHash().update().digest() for
// the short inputs of the request path (key cache, audit chain, cache keys). Older Node 20 falls back.
import crypto, { createHash } from "node:crypto";

type Encoding = "hex" | "base64";
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: Encoding) => string }).hash;

export function sha256(data: string, encoding: Encoding = "hex"): string {
  return oneShot !== undefined ? oneShot("sha256", data, encoding) : createHash("sha256").update(data).digest(encoding);
}
