// Writes rows as gzip'd JSONL shards into the artifact store, streaming: each shard is compressed
// and uploaded while rows arrive, so memory stays at one write buffer plus zlib's window whatever
// the dataset's size. The content hash covers the uncompressed JSONL of all rows in order, so it
// names the data itself (independent of shard size, compression level or encryption).
import { createHash, type Hash } from "node:crypto";
import { once } from "node:events";
import { pipeline, type Readable, type Transform } from "node:stream";
import { constants, createGzip, type Gzip } from "node:zlib";
import type { ArtifactStore } from "../../store/artifacts/types.js";
import type { Row, RowAddress, ShardInfo } from "../types.js";

export const SHARD_ENCODING = "jsonl.gz";
/** Default shard size: 64 MiB of JSONL before compression (roughly 10–25 MB stored). */
export const DEFAULT_SHARD_BYTES = 64 * 1024 * 1024;
const FLUSH_CHARS = 256 * 1024;

export interface ShardWriterOptions {
  /** Start a new shard once this many uncompressed bytes are written (default 64 MiB). */
  shardBytes?: number;
  /** zlib level 1–9 (default 4: most of level 6's ratio at about twice its speed). */
  gzipLevel?: number;
  /** Encryption at rest: a stream sealing shard N's gzip'd bytes, and the encoding to record. */
  seal?: { encoding: string; stream(shard: number): Transform } | undefined;
}

export interface WrittenShards {
  shards: ShardInfo[];
  contentHash: string;
  rowCount: number;
  bytes: number;
  storedBytes: number;
}

interface OpenShard {
  gzip: Gzip;
  stored: Promise<{ hash: string; size: number }>;
  firstRow: number;
  rows: number;
  bytes: number;
}

export class ShardWriter {
  private readonly shardBytes: number;
  private readonly level: number;
  private readonly hash: Hash = createHash("sha256");
  private readonly shards: ShardInfo[] = [];
  private current: OpenShard | null = null;
  private pending: string[] = [];
  private pendingChars = 0;
  private rowCount = 0;
  private totalBytes = 0;
  private failure: unknown = null;
  private finished = false;

  constructor(
    private readonly artifacts: ArtifactStore,
    options: ShardWriterOptions = {},
  ) {
    this.shardBytes = Math.max(1, options.shardBytes ?? DEFAULT_SHARD_BYTES);
    this.level = options.gzipLevel ?? 4;
    this.seal = options.seal;
  }

  private readonly seal: ShardWriterOptions["seal"];

  get rows(): number {
    return this.rowCount;
  }

  /** Where the next row written will live. */
  nextAddress(): RowAddress {
    return { shard: this.shards.length, index: this.current?.rows ?? 0 };
  }

  /** Adds a row; returns a promise only when the caller must wait (a flush or a shard boundary). */
  write(row: Row): Promise<void> | undefined {
    if (this.finished) throw new Error("ShardWriter.write after finish/abort");
    const line = `${JSON.stringify(row)}\n`;
    this.current ??= this.open();
    this.pending.push(line);
    this.pendingChars += line.length;
    this.current.rows++;
    this.rowCount++;
    // Characters under-count multi-byte text, so a shard may run a little over its target.
    if (this.current.bytes + this.pendingChars >= this.shardBytes) return this.closeShard();
    if (this.pendingChars >= FLUSH_CHARS) return this.flush();
    return undefined;
  }

  async finish(): Promise<WrittenShards> {
    if (this.current) await this.closeShard();
    this.finished = true;
    const storedBytes = this.shards.reduce((sum, s) => sum + s.storedBytes, 0);
    return {
      shards: this.shards,
      contentHash: this.hash.digest("hex"),
      rowCount: this.rowCount,
      bytes: this.totalBytes,
      storedBytes,
    };
  }

  /** Stops writing; the shard in progress is discarded (already stored shards stay as unreferenced blobs). */
  async abort(): Promise<void> {
    this.finished = true;
    const current = this.current;
    this.current = null;
    if (current) {
      current.gzip.destroy(new Error("aborted"));
      await current.stored.catch(() => {});
    }
  }

  private open(): OpenShard {
    const gzip = createGzip({ level: this.level, chunkSize: 1 << 20, strategy: constants.Z_DEFAULT_STRATEGY });
    // Errors surface through `stored`; this listener only keeps an 'error' event from being fatal.
    gzip.on("error", () => {});
    // Sealed shards: gzip → cipher → store; `pipeline` tears the cipher down when gzip is destroyed.
    const out: Readable = this.seal ? pipeline(gzip, this.seal.stream(this.shards.length), () => {}) : gzip;
    const stored = this.artifacts.putStream(out);
    stored.catch((error: unknown) => {
      this.failure ??= error;
      gzip.destroy(error as Error);
    });
    return { gzip, stored, firstRow: this.rowCount, rows: 0, bytes: 0 };
  }

  private async flush(): Promise<void> {
    const current = this.current;
    if (!current || this.pending.length === 0) return;
    const buffer = Buffer.from(this.pending.join(""), "utf8");
    this.pending = [];
    this.pendingChars = 0;
    this.hash.update(buffer);
    current.bytes += buffer.length;
    this.totalBytes += buffer.length;
    if (this.failure) throw this.failure;
    if (!current.gzip.write(buffer)) {
      try {
        await once(current.gzip, "drain");
      } catch (error) {
        throw this.failure ?? error;
      }
    }
  }

  private async closeShard(): Promise<void> {
    await this.flush();
    const current = this.current!;
    this.current = null;
    current.gzip.end();
    const info = await current.stored;
    this.shards.push({
      shard: this.shards.length,
      artifactHash: info.hash,
      encoding: this.seal?.encoding ?? SHARD_ENCODING,
      firstRow: current.firstRow,
      rowCount: current.rows,
      bytes: current.bytes,
      storedBytes: info.size,
    });
  }
}
