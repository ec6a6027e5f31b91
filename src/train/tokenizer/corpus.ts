// Streams corpus files: validates UTF-8 (the error names the file and byte offset), hashes the raw
// bytes and hands the text on in pieces of about a megabyte, so memory stays bounded whatever the
// file size.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { invalidRequest, LlmopsError, notFound } from "../../errors.js";
import type { TokenizerCorpusFile } from "./types.js";

const READ_CHUNK = 1 << 20;

/** Checks that each path is a readable regular file and returns the sizes (fails before any work). */
export async function statCorpusFiles(files: readonly string[]): Promise<number[]> {
  if (files.length === 0) throw invalidRequest("no corpus files given; pass one or more UTF-8 text files", "files");
  const sizes: number[] = [];
  for (const file of files) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw notFound(`corpus file ${file} does not exist; check the path`);
      }
      throw new LlmopsError("invalid_request", `cannot read corpus file ${file}: ${(error as Error).message}`, {
        param: "files",
        cause: error,
      });
    }
    if (!info.isFile()) throw invalidRequest(`corpus path ${file} is not a regular file; pass text files`, "files");
    sizes.push(info.size);
  }
  return sizes;
}

/**
 * Reads `file`, calling `onText` with its text in order (each call ends at a character boundary; a
 * leading byte-order mark is dropped) and `onBytes` with the raw byte count as it goes.
 */
export async function readCorpusFile(
  file: string,
  onText: (text: string) => void,
  onBytes: (bytes: number) => void = () => {},
): Promise<TokenizerCorpusFile> {
  const hash = createHash("sha256");
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let carry: Uint8Array = new Uint8Array(0); // an incomplete character at the end of the last read
  let offset = 0; // file offset of carry[0]
  let total = 0;
  let first = true;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK })) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      total += bytes.length;
      onBytes(bytes.length);
      let buf: Uint8Array = carry.length ? Buffer.concat([carry, bytes]) : bytes;
      if (first && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        buf = buf.subarray(3);
        offset = 3;
      }
      if (first && buf.length > 0) first = false;
      const { end, invalidAt } = scanUtf8(buf);
      if (invalidAt >= 0) throw notUtf8(file, offset + invalidAt);
      if (end > 0) onText(decoder.decode(buf.subarray(0, end)));
      carry = Uint8Array.from(buf.subarray(end));
      offset += end;
    }
  } catch (error) {
    if (error instanceof LlmopsError) throw error;
    throw new LlmopsError("invalid_request", `cannot read corpus file ${file}: ${(error as Error).message}`, {
      param: "files",
      cause: error,
    });
  }
  if (carry.length > 0) {
    throw invalidRequest(
      `corpus file ${file} is not valid UTF-8: it ends inside a character at byte offset ${offset}; ` +
        "the file may be truncated",
      "files",
    );
  }
  return { name: path.basename(file), bytes: total, sha256: hash.digest("hex") };
}

function notUtf8(file: string, at: number): LlmopsError {
  return invalidRequest(
    `corpus file ${file} is not valid UTF-8 (invalid byte sequence at byte offset ${at}); ` +
      "convert it first, e.g. `iconv -f GB18030 -t UTF-8 in.txt > out.txt`",
    "files",
  );
}

/**
 * Validates UTF-8 as the WHATWG decoder does (no overlong forms, surrogates or code points above
 * U+10FFFF). `end` is where a character cut off by the end of `buf` starts (buf.length if none);
 * `invalidAt` is the offset of the first invalid sequence, or -1.
 */
export function scanUtf8(buf: Uint8Array): { end: number; invalidAt: number } {
  const n = buf.length;
  let i = 0;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return { end: i, invalidAt: i };
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return { end: i, invalidAt: -1 }; // cut off: wait for more bytes
      const c = buf[i + k]!;
      if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return { end: i, invalidAt: i };
    }
    i += need + 1;
  }
  return { end: n, invalidAt: -1 };
}
