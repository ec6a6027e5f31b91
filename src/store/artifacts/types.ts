import type { Readable } from "node:stream";

export interface ArtifactInfo {
  /** sha256 of the bytes, lowercase hex: the artifact's identity. */
  hash: string;
  size: number;
}

/**
 * Content-addressed blob storage. Writes are atomic (nobody ever sees a partial artifact) and
 * idempotent (the same bytes give the same hash and are stored once); reads verify the hash and
 * fail with an `integrity` LlmopsError when the stored bytes were altered.
 */
export interface ArtifactStore {
  readonly kind: "file" | "s3";
  readonly displayUrl: string;
  putFile(path: string): Promise<ArtifactInfo>;
  putBuffer(data: Uint8Array): Promise<ArtifactInfo>;
  putStream(stream: Readable): Promise<ArtifactInfo>;
  has(hash: string): Promise<boolean>;
  stat(hash: string): Promise<ArtifactInfo | null>;
  /** A stream of the bytes that errors (integrity) at the end if they do not match the hash. */
  openRead(hash: string): Promise<Readable>;
  readBuffer(hash: string): Promise<Buffer>;
  /**
   * A local file holding the verified bytes: the stored file itself for the file store, a
   * verified cache copy (under LLMOPS_HOME/cache) for S3. llama.cpp needs a path to mmap.
   */
  localPath(hash: string): Promise<string>;
  delete(hash: string): Promise<void>;
  list(): AsyncIterable<ArtifactInfo>;
}

export interface S3Options {
  endpoint?: string | undefined;
  region: string;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  /** Path-style addressing (bucket in the path): needed by MinIO, Swift's s3api and most self-hosted servers. */
  forcePathStyle: boolean;
  /** Objects larger than this go up as multipart uploads (default 256 MiB; S3 allows 5 GiB in one PUT). */
  multipartThresholdBytes?: number | undefined;
  /** Part size of multipart uploads (default 64 MiB, at least 5 MiB). */
  partSizeBytes?: number | undefined;
}
