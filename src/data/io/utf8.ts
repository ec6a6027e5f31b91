// Strict UTF-8 decoding of a byte stream in chunks, keeping count of physical lines so an invalid
// byte is reported with its file and line. Sequences split across chunks are carried over.
import { isUtf8 } from "node:buffer";
import { invalidRequest, type LlmopsError } from "../../errors.js";

export class Utf8Decoder {
  /** Newlines decoded so far (the 1-based line of the next byte is `newlines + 1`). */
  newlines = 0;
  private carry: Buffer | null = null;
  private offset = 0;

  constructor(private readonly file: string) {}

  /** Decodes a chunk; throws an `invalid_request` LlmopsError naming the file and line on invalid UTF-8. */
  decode(chunk: Buffer): string {
    let bytes = chunk;
    if (this.carry) {
      bytes = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    const cut = completeLength(bytes);
    if (cut < bytes.length) {
      this.carry = Buffer.from(bytes.subarray(cut));
      bytes = bytes.subarray(0, cut);
    }
    if (!isUtf8(bytes)) throw this.invalidAt(bytes, firstInvalid(bytes));
    this.newlines += countNewlines(bytes);
    this.offset += bytes.length;
    return bytes.toString("utf8");
  }

  /** Call at the end of input: a sequence still open there is invalid (a truncated character). */
  end(): void {
    if (this.carry && this.carry.length > 0) {
      const carry = this.carry;
      this.carry = null;
      throw this.invalidAt(carry, 0, "the file ends inside a multi-byte character");
    }
  }

  private invalidAt(bytes: Buffer, at: number, why?: string): LlmopsError {
    const line = this.newlines + countNewlines(bytes.subarray(0, at)) + 1;
    const byte = bytes[at];
    const detail = why ?? `byte 0x${(byte ?? 0).toString(16).padStart(2, "0")} at offset ${this.offset + at}`;
    return invalidRequest(
      `${this.file}:${line}: invalid UTF-8 (${detail}). Convert the file to UTF-8 first, ` +
        "e.g. `iconv -f GB18030 -t UTF-8 in.txt > out.txt`.",
      "file",
    );
  }
}

/** Length of the prefix of `bytes` that ends on a character boundary (a trailing partial sequence is cut). */
function completeLength(bytes: Buffer): number {
  const n = bytes.length;
  // A sequence is at most 4 bytes, so only the last 3 can start an incomplete one.
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

function countNewlines(bytes: Buffer): number {
  let count = 0;
  let at = bytes.indexOf(10);
  while (at !== -1) {
    count++;
    at = bytes.indexOf(10, at + 1);
  }
  return count;
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (error path only). */
export function firstInvalid(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}
