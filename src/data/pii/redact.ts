// Handling modes for detected PII, shared by dataset pipelines and the gateway's guardrails:
//  - mask: replace each value by its type label ("[EMAIL]"), by mask characters that keep the value's
//    shape ("***@*****.com" style: separators, "@" and "." stay), or partially ("138****5678",
//    "**** **** **** 1111", "z***@qq.com").
//  - pseudonym: replace each value by "<TYPE_hhhhhhhh>", the first hex digits of a keyed HMAC-SHA256
//    of the type and the canonical value. The same key gives the same token for the same value across
//    rows, files and runs (so joins and counts still work); without the key the value cannot be
//    recovered or confirmed by hashing guesses. Canonicalisation makes "138-1234-5678", "+86 138 1234
//    5678" and "13812345678" one person, and "Foo@Example.com" equal to "foo@example.com".
//  - drop: the text is returned unchanged with `drop: true` when anything was found; the caller
//    discards the row (a pipeline counts it under "dropped: pii").
import { createHmac } from "node:crypto";
import { invalidRequest } from "../../errors.js";
import { type DetectOptions, detectPii } from "./detect.js";
import { foldWidth } from "./normalize.js";
import type { Detection, PiiType } from "./types.js";

export type RedactionMode = "mask" | "pseudonym" | "drop";
export type MaskStyle = "label" | "shape" | "partial";

export interface RedactOptions {
  /** Secret for `pseudonym` (≥ 16 bytes; keep it out of the dataset and the logs). */
  key?: string | Uint8Array;
  /** For `mask`: "label" (default) → [EMAIL]; "shape" → same length, letters/digits → maskChar; "partial" → keep a few characters. */
  maskStyle?: MaskStyle;
  /** Character used by the "shape" and "partial" styles (default "*"). */
  maskChar?: string;
  /** Hex digits of the HMAC kept in a pseudonym (default 8, 4–64). */
  pseudonymLength?: number;
}

export interface RedactResult {
  text: string;
  /** True in `drop` mode when the row held PII: the caller should drop it. */
  drop: boolean;
  /** How many spans were replaced (0 in `drop` mode). */
  replaced: number;
}

export const REDACTION_MODES: readonly RedactionMode[] = ["mask", "pseudonym", "drop"];

/** The value as the pseudonym sees it: the same person written differently maps to one token. */
export function canonicalValue(type: PiiType, value: string): string {
  const folded = foldWidth(value).normalize("NFKC");
  switch (type) {
    case "EMAIL":
      return folded.toLowerCase();
    case "PHONE": {
      let digits = folded.replace(/\D/g, "");
      // Chinese numbers with and without +86/0086 are one number.
      if (/^(?:0086|86)1[3-9]\d{9}$/.test(digits)) digits = digits.slice(digits.length - 11);
      return digits;
    }
    case "CN_ID":
      return folded.replace(/[\s-]/g, "").toUpperCase();
    case "CREDIT_CARD":
      return folded.replace(/\D/g, "");
    case "IBAN":
      return folded.replace(/\s/g, "").toUpperCase();
    case "IPV6":
      return folded.toLowerCase();
    case "PERSON":
    case "ADDRESS":
      return folded.replace(/\s+/g, " ").trim().toLowerCase();
    default:
      return folded;
  }
}

function keyBytes(key: string | Uint8Array | undefined): Uint8Array {
  if (key === undefined) {
    throw invalidRequest(
      "pseudonym mode needs a key: pass a secret of at least 16 bytes (e.g. `openssl rand -hex 32`) and keep it out of the data",
      "key",
    );
  }
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : key;
  if (bytes.length < 16) throw invalidRequest("the pseudonym key must be at least 16 bytes long", "key");
  return bytes;
}

/** The stable token for one value, e.g. `<PERSON_3f9a1c07>`. */
export function pseudonymFor(type: PiiType, value: string, key: string | Uint8Array, length = 8): string {
  const mac = createHmac("sha256", keyBytes(key))
    .update(`${type}\u0000${canonicalValue(type, value)}`)
    .digest("hex");
  return `<${type}_${mac.slice(0, length)}>`;
}

const SEPARATORS = /[\s@.\-:/()+_,]/;

function shapeMask(value: string, char: string): string {
  let out = "";
  for (const ch of value) out += SEPARATORS.test(ch) ? ch : char;
  return out;
}

function partialMask(type: PiiType, value: string, char: string): string {
  switch (type) {
    case "EMAIL": {
      const at = value.indexOf("@");
      return value.slice(0, 1) + char.repeat(Math.max(1, at - 1)) + value.slice(at);
    }
    case "PHONE":
    case "CREDIT_CARD":
    case "CN_ID":
    case "IBAN": {
      // Keep the last four letters/digits (and for phones/IDs the first three), shape elsewhere.
      const keepHead = type === "PHONE" || type === "CN_ID" ? 3 : type === "IBAN" ? 2 : 0;
      const positions: number[] = [];
      for (let i = 0; i < value.length; i++) if (/[0-9A-Za-z]/.test(foldWidth(value[i]!))) positions.push(i);
      const keep = new Set([...positions.slice(0, keepHead), ...positions.slice(-4)]);
      if (keep.size >= positions.length) return shapeMask(value, char);
      let out = "";
      for (let i = 0; i < value.length; i++) out += keep.has(i) || !positions.includes(i) ? value[i] : char;
      return out;
    }
    default:
      return shapeMask(value, char);
  }
}

/**
 * Applies `mode` to `detections` (from detectPii on the same `text`). Spans must not overlap — detectPii
 * guarantees that; overlapping input is rejected rather than producing garbled text.
 */
export function redactText(
  text: string,
  detections: readonly Detection[],
  mode: RedactionMode,
  options: RedactOptions = {},
): RedactResult {
  if (!REDACTION_MODES.includes(mode)) {
    throw invalidRequest(`unknown redaction mode '${String(mode)}': use mask, pseudonym or drop`, "mode");
  }
  if (mode === "drop") return { text, drop: detections.length > 0, replaced: 0 };
  const length = options.pseudonymLength ?? 8;
  if (!Number.isInteger(length) || length < 4 || length > 64) {
    throw invalidRequest("pseudonymLength must be an integer from 4 to 64", "pseudonymLength");
  }
  const key = mode === "pseudonym" ? keyBytes(options.key) : undefined;
  const char = options.maskChar ?? "*";
  const style = options.maskStyle ?? "label";
  const sorted = [...detections].sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const d of sorted) {
    if (d.start < at || d.end > text.length || d.start >= d.end) {
      throw invalidRequest(`detections overlap or fall outside the text at ${d.start}..${d.end}`, "detections");
    }
    const value = text.slice(d.start, d.end);
    let replacement: string;
    if (mode === "pseudonym") replacement = pseudonymFor(d.type, value, key!, length);
    else if (style === "label") replacement = `[${d.type}]`;
    else if (style === "shape") replacement = shapeMask(value, char);
    else replacement = partialMask(d.type, value, char);
    out += text.slice(at, d.start) + replacement;
    at = d.end;
  }
  return { text: out + text.slice(at), drop: false, replaced: sorted.length };
}

/** detectPii + redactText in one call (the gateway guardrail's path): returns the handled text and what was found. */
export function redactPii(
  text: string,
  mode: RedactionMode,
  options: RedactOptions & DetectOptions = {},
): RedactResult & { detections: Detection[] } {
  const detections = detectPii(text, { types: options.types, minScore: options.minScore });
  return { ...redactText(text, detections, mode, options), detections };
}
