// sha256 helpers shared by the artifact stores: validating hash strings, hashing while a stream
// passes through, and streams that fail at their end when the bytes do not match.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { pipeline, type Readable, Transform, type TransformCallback } from "node:stream";
import { LlmopsError } from "../../errors.js";

const HASH_RE = /^[0-9a-f]{64}$/;

/** Throws invalid_request unless `hash` is 64 lowercase hex digits (a sha256). */
export function assertHash(hash: unknown): asserts hash is string {
  if (typeof hash !== "string" || !HASH_RE.test(hash)) {
    const shown = typeof hash === "string" ? `'${hash.length > 80 ? `${hash.slice(0, 80)}…` : hash}'` : typeof hash;
    throw new LlmopsError(
      "invalid_request",
      `${shown} is not an artifact hash: expected a sha256 as 64 lowercase hex digits (e.g. the output of sha256sum).`,
      { param: "hash" },
    );
  }
}

export const isHash = (value: string): boolean => HASH_RE.test(value);

/** Turns any chunk a byte stream may yield into a Buffer; rejects object-mode streams. */
export function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  throw new LlmopsError("invalid_request", "An artifact stream must yield bytes (Buffer, Uint8Array or string).");
}

export function integrityError(hash: string, where: string, actual: string, size: number): LlmopsError {
  return new LlmopsError(
    "integrity",
    `Artifact ${hash} in ${where} is corrupted: its ${size} stored bytes hash to ${actual}. ` +
      "Put the original bytes again to repair it (the same content gets the same hash), or delete it and re-register.",
  );
}

/**
 * Passes `source` through unchanged and, at its end, errors with `integrity` if the bytes do not
 * hash to `hash` (or their count differs from `size`). Consumers see every byte before the check,
 * so anything built from them must be discarded on error — as with any failed stream.
 */
export function verifying(source: Readable, hash: string, where: string, size?: number): Readable {
  const digest = createHash("sha256");
  let seen = 0;
  const check = new Transform({
    transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback) {
      const buf = toBuffer(chunk);
      digest.update(buf);
      seen += buf.length;
      callback(null, buf);
    },
    flush(callback: TransformCallback) {
      const actual = digest.digest("hex");
      if (actual !== hash || (size !== undefined && seen !== size)) callback(integrityError(hash, where, actual, seen));
      else callback();
    },
  });
  // pipeline forwards source errors to `check` and stops reading the source if `check` is destroyed.
  return pipeline(source, check, () => {});
}

/** sha256 and size of a file, streamed (bounded memory). */
export async function hashFile(file: string): Promise<{ hash: string; size: number }> {
  const digest = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    digest.update(buf);
    size += buf.length;
  }
  return { hash: digest.digest("hex"), size };
}
