// Reading and writing tokenizer files: validated on read, written atomically (temp file + rename).
import { randomBytes } from "node:crypto";
import { open, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { invalidRequest, LlmopsError, notFound } from "../../errors.js";
import { SpmTokenizer } from "./encoder.js";
import { parseTokenizerJson, serializeTokenizer } from "./schema.js";
import type { TokenizerData } from "./types.js";

/** Reads, validates and compiles a tokenizer file. */
export async function loadTokenizer(file: string): Promise<SpmTokenizer> {
  return new SpmTokenizer(await readTokenizerFile(file), file);
}

export async function readTokenizerFile(file: string): Promise<TokenizerData> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw notFound(`tokenizer file ${file} does not exist; check the path`);
    if (code === "EISDIR") throw invalidRequest(`${file} is a folder; give the path of a tokenizer JSON file`);
    throw new LlmopsError("invalid_request", `cannot read tokenizer file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseTokenizerJson(text, file);
}

/** Writes the canonical JSON atomically; returns the bytes written. Validates first (nothing half-written). */
export async function writeTokenizerFile(file: string, data: TokenizerData): Promise<number> {
  new SpmTokenizer(data, file); // refuses a vocabulary llama.cpp would load differently
  const text = serializeTokenizer(data);
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  try {
    const fh = await open(tmp, "wx");
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw notFound(`cannot write ${file}: its folder does not exist`);
    if (code === "EISDIR") throw invalidRequest(`cannot write ${file}: it is a folder`);
    throw new LlmopsError("invalid_request", `cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
  return Buffer.byteLength(text);
}
