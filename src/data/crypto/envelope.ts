// Envelope encryption primitives (node:crypto only): a 32-byte master key wraps 32-byte data
// keys with AES-256-GCM; data keys seal shards with AES-256-GCM under a fresh random 96-bit IV and
// additional authenticated data naming dataset, version id and shard index, so a shard copied into
// another place (another shard, version or dataset) fails authentication instead of decrypting.
//
// Sealed shard layout: MAGIC(8) ‖ IV(12) ‖ ciphertext ‖ TAG(16). Sealing streams (a Transform, so
// a shard never sits in memory); unsealing buffers one shard and checks the tag before any
// plaintext is released, so no unauthenticated bytes reach a reader.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { Transform } from "node:stream";
import { LlmopsError } from "../../errors.js";

export const SEALED_ENCODING = "jsonl.gz+aes-256-gcm";
export const KEY_ALGORITHM = "aes-256-gcm";
const MAGIC = Buffer.from("LLMOPSE1", "ascii");
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface MasterKey {
  /** Fingerprint (not the key): the first 16 hex of sha256("llmops-master-key" ‖ key). */
  id: string;
  key: Buffer;
  /** Where it came from, for messages ("LLMOPS_MASTER_KEY", a file path). */
  source: string;
}

/** A 32-byte key as base64 or hex text (whitespace around it ignored). */
export function parseMasterKey(text: string, source: string): MasterKey {
  const trimmed = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, "hex");
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const decoded = Buffer.from(trimmed, "base64");
    if (decoded.length === KEY_BYTES) key = decoded;
  }
  if (!key) {
    throw new LlmopsError(
      "config_invalid",
      `${source} must hold a 32-byte key as 64 hex digits or 44 base64 characters ` +
        `(make one with \`openssl rand -base64 32\`); it holds ${trimmed.length} characters that are neither.`,
      { param: source },
    );
  }
  const id = createHash("sha256").update("llmops-master-key\0").update(key).digest("hex").slice(0, 16);
  return { id, key, source };
}

/** Reads a key file, refusing one that group or others can read (it must be mode 0600 or stricter). */
export function readMasterKeyFile(file: string): MasterKey {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    throw new LlmopsError("config_invalid", `Master key file ${file} does not exist or cannot be read.`, {
      param: "LLMOPS_MASTER_KEY_FILE",
    });
  }
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    throw new LlmopsError(
      "config_invalid",
      `Master key file ${file} has mode ${(mode & 0o777).toString(8)}; it must be readable by its owner only: chmod 600 ${file}.`,
      { param: "LLMOPS_MASTER_KEY_FILE" },
    );
  }
  return parseMasterKey(readFileSync(file, "utf8"), file);
}

/** The master key from LLMOPS_MASTER_KEY or LLMOPS_MASTER_KEY_FILE; null when neither is set. */
export function masterKeyFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): MasterKey | null {
  if (env.LLMOPS_MASTER_KEY && env.LLMOPS_MASTER_KEY_FILE) {
    throw new LlmopsError("config_invalid", "Set LLMOPS_MASTER_KEY or LLMOPS_MASTER_KEY_FILE, not both.");
  }
  if (env.LLMOPS_MASTER_KEY) return parseMasterKey(env.LLMOPS_MASTER_KEY, "LLMOPS_MASTER_KEY");
  if (env.LLMOPS_MASTER_KEY_FILE) return readMasterKeyFile(env.LLMOPS_MASTER_KEY_FILE);
  return null;
}

export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

const wrapAad = (keyId: string) => Buffer.from(`llmops-data-key\0${keyId}`, "utf8");

/** base64(iv ‖ ciphertext ‖ tag) of the data key, bound to its key id. */
export function wrapKey(master: MasterKey, keyId: string, dataKey: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", master.key, iv);
  cipher.setAAD(wrapAad(keyId));
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64");
}

export function unwrapKey(master: MasterKey, keyId: string, wrapped: string): Buffer {
  const bytes = Buffer.from(wrapped, "base64");
  if (bytes.length !== IV_BYTES + KEY_BYTES + TAG_BYTES) {
    throw new LlmopsError(
      "integrity",
      `Wrapped data key ${keyId} is ${bytes.length} bytes, not a wrapped 32-byte key.`,
    );
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", master.key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(wrapAad(keyId));
    decipher.setAuthTag(bytes.subarray(IV_BYTES + KEY_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, IV_BYTES + KEY_BYTES)), decipher.final()]);
  } catch (cause) {
    throw new LlmopsError(
      "integrity",
      `Data key ${keyId} does not unwrap with the master key from ${master.source}: the key is wrong or the wrapped key was altered.`,
      { cause },
    );
  }
}

/** What a sealed shard is bound to: moving it anywhere else fails authentication. */
export function shardAad(dataset: string, versionId: string, shard: number): Buffer {
  return Buffer.from(`llmops-shard-v1\0${dataset}\0${versionId}\0${shard}`, "utf8");
}

/** A stream that seals what passes through it (header first, tag last). */
export function sealStream(dataKey: Buffer, aad: Buffer): Transform {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", dataKey, iv);
  cipher.setAAD(aad);
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!started) {
        started = true;
        this.push(Buffer.concat([MAGIC, iv]));
      }
      done(null, cipher.update(chunk));
    },
    flush(done) {
      if (!started) this.push(Buffer.concat([MAGIC, iv]));
      this.push(cipher.final());
      done(null, cipher.getAuthTag());
    },
  });
}

/** Seals a whole buffer (tests, small shards): the same bytes `sealStream` writes. */
export function seal(dataKey: Buffer, aad: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", dataKey, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([MAGIC, iv, body, cipher.getAuthTag()]);
}

/** Opens a sealed shard; any change to it (or to where it claims to belong) is an integrity error. */
export function unseal(dataKey: Buffer, aad: Buffer, sealed: Buffer, what: string): Buffer {
  if (sealed.length < MAGIC.length + IV_BYTES + TAG_BYTES || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new LlmopsError("integrity", `${what} is not a sealed shard (bad header); the stored bytes were replaced.`);
  }
  const iv = sealed.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv("aes-256-gcm", dataKey, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(sealed.subarray(MAGIC.length + IV_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch (cause) {
    throw new LlmopsError(
      "integrity",
      `${what} failed authentication: its ciphertext was altered or it was moved from another shard, version or dataset.`,
      { cause },
    );
  }
}
