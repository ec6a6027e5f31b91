// A content-addressed folder: `<root>/sha256/ab/<hash>` with writes staged in `<root>/tmp/`.
// The file store is one; the S3 store keeps its local cache in another. Every write goes to a
// temp file (hashed as it is written, fsynced) and is renamed into place, so a crash or a kill
// leaves at most a temp file, never a partial artifact, and concurrent writers of the same bytes
// just replace one identical file with another.
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, type FileHandle, mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { LlmopsError } from "../../errors.js";
import { hashFile, integrityError, toBuffer } from "./hash.js";

/** Temp files untouched for this long belong to a writer that died; they are removed on open. */
export const STALE_TMP_MS = 60 * 60 * 1000;

export class ContentFolder {
  constructor(readonly root: string) {}

  get tmpDir(): string {
    return path.join(this.root, "tmp");
  }

  blobPath(hash: string): string {
    return path.join(this.root, "sha256", hash.slice(0, 2), hash);
  }

  /** Streams `source` into a new temp file, hashing it on the way; fsyncs before returning. */
  async writeTemp(source: Readable | AsyncIterable<unknown>): Promise<{ tmp: string; hash: string; size: number }> {
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = path.join(this.tmpDir, `${process.pid}-${randomUUID()}.tmp`);
    const digest = createHash("sha256");
    let size = 0;
    let fh: FileHandle | undefined;
    try {
      fh = await open(tmp, "wx", 0o644);
      // One chunk in memory at a time; awaiting each write is the backpressure.
      for await (const chunk of source) {
        const buf = toBuffer(chunk);
        digest.update(buf);
        size += buf.length;
        await fh.write(buf);
      }
      await fh.sync();
      await fh.close();
      fh = undefined;
    } catch (error) {
      await fh?.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw error;
    }
    return { tmp, hash: digest.digest("hex"), size };
  }

  /** Renames a finished temp file into place (read-only, so other programs cannot alter it by accident). */
  async commit(tmp: string, hash: string): Promise<string> {
    const final = this.blobPath(hash);
    try {
      await mkdir(path.dirname(final), { recursive: true });
      await chmod(tmp, 0o444);
      await rename(tmp, final);
    } catch (error) {
      await unlink(tmp).catch(() => {});
      throw error;
    }
    await fsyncDir(path.dirname(final));
    return final;
  }

  /** Size of the stored blob, or null when it is absent. */
  async size(hash: string): Promise<number | null> {
    try {
      const st = await stat(this.blobPath(hash));
      return st.isFile() ? st.size : null;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async remove(hash: string): Promise<void> {
    await unlink(this.blobPath(hash)).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }

  async *list(): AsyncIterable<{ hash: string; size: number }> {
    const base = path.join(this.root, "sha256");
    let shards: string[];
    try {
      shards = (await readdir(base)).sort();
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const shard of shards) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      const names = await readdir(path.join(base, shard)).catch(() => [] as string[]);
      for (const name of names.sort()) {
        if (!/^[0-9a-f]{64}$/.test(name) || !name.startsWith(shard)) continue;
        const size = await this.size(name);
        if (size !== null) yield { hash: name, size };
      }
    }
  }

  /** Removes temp files older than `maxAgeMs` (left by killed writers); returns how many. */
  async cleanStaleTemp(maxAgeMs: number = STALE_TMP_MS): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.tmpDir);
    } catch (error) {
      if (isNotFound(error)) return 0;
      throw error;
    }
    let removed = 0;
    const cutoff = Date.now() - maxAgeMs;
    for (const name of names) {
      const file = path.join(this.tmpDir, name);
      try {
        const st = await stat(file);
        if (st.isFile() && st.mtimeMs < cutoff) {
          await unlink(file);
          removed++;
        }
      } catch {
        // Another process finished or removed it meanwhile.
      }
    }
    return removed;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the rename itself durable. Some filesystems refuse to fsync a directory; the data is
  // already synced, so that is not worth failing a write over.
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch {
    // best effort
  } finally {
    await fh?.close().catch(() => {});
  }
}

export function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

// Verifying a multi-gigabyte model on every localPath() would cost seconds each time, so each
// process verifies a file once and remembers it by (path, size, mtime, inode): any rewrite or
// replacement of the file changes one of them and forces a new check.
const verified = new Set<string>();
const verifying = new Map<string, Promise<void>>();

const identity = (file: string, st: { size: number; mtimeMs: number; ino: number }) =>
  `${file}\0${st.size}\0${st.mtimeMs}\0${st.ino}`;

/** Verifies `file` against `hash` unless this process already verified it unchanged. */
export async function verifyFileOnce(file: string, hash: string, where: string): Promise<void> {
  const st = await stat(file);
  const key = identity(file, st);
  if (verified.has(key)) return;
  let pending = verifying.get(key);
  if (pending === undefined) {
    pending = (async () => {
      const actual = await hashFile(file);
      if (actual.hash !== hash) throw integrityError(hash, where, actual.hash, actual.size);
      verified.add(key);
    })().finally(() => verifying.delete(key));
    verifying.set(key, pending);
  }
  await pending;
}

/** Records that `file` is known good (it was just written from bytes hashed on the way). */
export async function markVerified(file: string): Promise<void> {
  verified.add(identity(file, await stat(file)));
}

export function notFoundError(hash: string, where: string): LlmopsError {
  return new LlmopsError(
    "not_found",
    `Artifact ${hash} is not in ${where}. Check the hash, or that LLMOPS_ARTIFACTS_URL points at the store it was put in.`,
    { param: "hash" },
  );
}

/**
 * Opens a local file for reading, failing before any byte is consumed if it cannot be read
 * (with an `invalid_request` error that says why).
 */
export async function openLocal(file: string): Promise<Readable> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    });
  } catch (error) {
    throw cannotRead(file, error);
  }
  return stream;
}

function cannotRead(file: string, error: unknown): LlmopsError {
  const code = (error as { code?: string }).code;
  const why = code === "ENOENT" ? "it does not exist" : code === "EISDIR" ? "it is a folder" : (error as Error).message;
  return new LlmopsError("invalid_request", `Cannot read '${file}': ${why}.`, { param: "path", cause: error });
}
