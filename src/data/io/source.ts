// Opens an input file as a stream of decoded text: raw bytes are hashed (for lineage) and counted
// (for progress), gunzipped when the file is gzip (by its magic bytes), and decoded as strict UTF-8.
// Every failure becomes an LlmopsError naming the file and the line reached.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline, type Readable, Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { invalidRequest, isLlmopsError, LlmopsError, notFound } from "../../errors.js";
import { Utf8Decoder } from "./utf8.js";

const CHUNK = 1 << 20;

export interface TextSource {
  file: string;
  /** Size of the file on disk. */
  size: number;
  gzip: boolean;
  /** Decoded text, chunk by chunk; throws LlmopsError with file:line on bad bytes or a broken gzip stream. */
  chunks(): AsyncGenerator<string>;
  /** The 1-based line the decoder has reached (for errors raised by parsers). */
  line(): number;
  /** sha256 of the file's bytes as stored (compressed when gzip); complete once `chunks` is done. */
  sha256(): string;
  bytesRead(): number;
}

export async function openTextSource(file: string, onBytes?: (delta: number) => void): Promise<TextSource> {
  const info = await stat(file).catch(() => null);
  if (!info) throw notFound(`Input file ${file} does not exist.`);
  if (!info.isFile()) throw invalidRequest(`Input ${file} is not a regular file.`, "file");
  const gzip = await hasGzipMagic(file);
  const shown = path.basename(file);
  const decoder = new Utf8Decoder(shown);
  const hash = createHash("sha256");
  let read = 0;
  let digest: string | undefined;

  async function* chunks(): AsyncGenerator<string> {
    const raw = createReadStream(file, { highWaterMark: CHUNK });
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        read += chunk.length;
        onBytes?.(chunk.length);
        callback(null, chunk);
      },
    });
    const last: Readable = gzip
      ? pipeline(raw, tap, createGunzip({ chunkSize: CHUNK }), () => {})
      : pipeline(raw, tap, () => {});
    let first = true;
    try {
      for await (const chunk of last as AsyncIterable<Buffer>) {
        let text = decoder.decode(chunk);
        if (first) {
          if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is not content
          first = false;
        }
        if (text) yield text;
      }
      decoder.end();
      digest = hash.digest("hex");
    } catch (error) {
      if (isLlmopsError(error)) throw error;
      throw readError(shown, decoder.newlines + 1, gzip, error);
    } finally {
      raw.destroy();
    }
  }

  return {
    file,
    size: info.size,
    gzip,
    chunks,
    line: () => decoder.newlines + 1,
    sha256: () => {
      if (digest === undefined) throw new Error("sha256() before the source was read to its end");
      return digest;
    },
    bytesRead: () => read,
  };
}

async function hasGzipMagic(file: string): Promise<boolean> {
  const fh = await open(file, "r");
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

function readError(file: string, line: number, gzip: boolean, error: unknown): LlmopsError {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? String(error);
  if (gzip && (code === "Z_BUF_ERROR" || /unexpected end of file/i.test(message))) {
    return invalidRequest(
      `${file}:${line}: the gzip stream is truncated (it ends before its end marker); the file was cut short — copy it again.`,
      "file",
    );
  }
  if (gzip && typeof code === "string" && code.startsWith("Z_")) {
    return invalidRequest(`${file}:${line}: the gzip data is corrupt (${message}); copy the file again.`, "file");
  }
  return new LlmopsError("unavailable", `Cannot read ${file}: ${message}.`, { cause: error });
}

/** Splits decoded text into lines (LF or CRLF), with a cap so a file without newlines cannot exhaust memory. */
export class LineSplitter {
  private partial = "";

  constructor(
    private readonly file: string,
    private readonly maxLineChars: number,
  ) {}

  push(text: string, out: string[]): void {
    let start = 0;
    let nl = text.indexOf("\n");
    if (nl === -1) {
      this.partial += text;
      this.checkLength();
      return;
    }
    out.push(stripCr(this.partial + text.slice(0, nl)));
    this.partial = "";
    start = nl + 1;
    for (nl = text.indexOf("\n", start); nl !== -1; nl = text.indexOf("\n", start)) {
      out.push(stripCr(text.slice(start, nl)));
      start = nl + 1;
    }
    this.partial = text.slice(start);
    this.checkLength();
  }

  end(out: string[]): void {
    if (this.partial.length > 0) out.push(stripCr(this.partial));
    this.partial = "";
  }

  private checkLength(): void {
    if (this.partial.length > this.maxLineChars) {
      throw invalidRequest(
        `${this.file}: a line is longer than ${this.maxLineChars} characters; ` +
          "is the format right (JSONL needs one record per line)? Use --format to choose another.",
        "file",
      );
    }
  }
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
