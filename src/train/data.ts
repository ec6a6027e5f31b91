// Training data: text files → token ids (with the run's tokenizer) → a train/validation split and
// a seeded batch sampler. Batch t depends only on (seed, t), so a resumed run sees exactly the
// batches the uninterrupted run would have seen: the "data position" is just the step number.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { invalidRequest, notFound } from "../errors.js";
import type { Batch } from "./backend.js";
import { seededRng } from "./model.js";

export interface TokenizerForData {
  readonly vocabSize: number;
  readonly eosId: number;
  encode(text: string): number[];
}

export interface TokenStream {
  train: Int32Array;
  val: Int32Array;
  /** sha256 over the files' bytes, each prefixed by its length (order matters). */
  hash: string;
  bytes: number;
}

export async function readTextFiles(
  files: readonly string[],
): Promise<{ texts: string[]; hash: string; bytes: number }> {
  const h = createHash("sha256");
  const texts: string[] = [];
  let bytes = 0;
  for (const file of files) {
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT")
        throw notFound(`Training data file ${file} does not exist; check data.files in the config.`);
      throw invalidRequest(`Cannot read training data ${file}: ${(error as Error).message}`, "data.files");
    }
    const text = new TextDecoder("utf-8", { fatal: false }).decode(buf);
    h.update(`${buf.length}\n`);
    h.update(buf);
    texts.push(text);
    bytes += buf.length;
  }
  return { texts, hash: h.digest("hex"), bytes };
}

export function tokenize(
  texts: readonly string[],
  tok: TokenizerForData,
  valFraction: number,
  seqLen: number,
): Omit<TokenStream, "hash" | "bytes"> {
  const ids: number[] = [];
  for (const t of texts) {
    for (const id of tok.encode(t)) ids.push(id);
    ids.push(tok.eosId);
  }
  const nVal = Math.floor(ids.length * valFraction);
  const all = Int32Array.from(ids);
  const train = all.subarray(0, all.length - nVal);
  const val = all.subarray(all.length - nVal);
  if (train.length < seqLen + 2)
    throw invalidRequest(
      `The training data has ${train.length} tokens, fewer than model.seqLen + 2 (${seqLen + 2}); add text or shorten seqLen.`,
      "data.files",
    );
  if (val.length < seqLen + 1)
    throw invalidRequest(
      `The validation split has ${val.length} tokens, fewer than model.seqLen + 1 (${seqLen + 1}); add text or raise data.valFraction.`,
      "data.valFraction",
    );
  return { train, val };
}

/** The training batch of 1-based step `step`: random windows drawn from a per-step seeded stream. */
export function trainBatch(tokens: Int32Array, seed: number, step: number, batch: number, seqLen: number): Batch {
  const r = seededRng((Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(step, 0xc2b2ae35)) >>> 0);
  const x = new Int32Array(batch * seqLen);
  const y = new Int32Array(batch * seqLen);
  const span = tokens.length - seqLen - 1;
  for (let b = 0; b < batch; b++) {
    const o = Math.floor(r.uniform() * (span + 1));
    x.set(tokens.subarray(o, o + seqLen), b * seqLen);
    y.set(tokens.subarray(o + 1, o + seqLen + 1), b * seqLen);
  }
  return { x, y, batch };
}

/** Fixed evaluation batches: windows evenly spaced over the validation tokens (same every eval). */
export function evalBatches(tokens: Int32Array, count: number, batch: number, seqLen: number): Batch[] {
  const windows = count * batch;
  const span = tokens.length - seqLen - 1;
  const out: Batch[] = [];
  for (let c = 0; c < count; c++) {
    const x = new Int32Array(batch * seqLen);
    const y = new Int32Array(batch * seqLen);
    for (let b = 0; b < batch; b++) {
      const w = c * batch + b;
      const o = windows > 1 ? Math.floor((w * span) / (windows - 1)) : 0;
      x.set(tokens.subarray(o, o + seqLen), b * seqLen);
      y.set(tokens.subarray(o + 1, o + seqLen + 1), b * seqLen);
    }
    out.push({ x, y, batch });
  }
  return out;
}
