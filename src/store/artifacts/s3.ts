// The artifact store on any S3-compatible object store (AWS S3, MinIO, Ceph, OpenStack Swift's
// s3api). Objects live at `<prefix>sha256/ab/<hash>`. An upload is first streamed into a local
// temp file while it is hashed (the key is the hash, known only at the end); that file then
// becomes the verified local copy that `localPath` serves, so a freshly put model is not
// downloaded again. Objects appear atomically: PutObject and CompleteMultipartUpload both
// publish all or nothing.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { unlink } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { LlmopsError } from "../../errors.js";
import { assertHash, integrityError, isHash, toBuffer, verifying } from "./hash.js";
import { ContentFolder, markVerified, notFoundError, openLocal, verifyFileOnce } from "./local.js";
import type { ArtifactInfo, ArtifactStore, S3Options } from "./types.js";

const MiB = 1024 * 1024;
/** S3 refuses a single PutObject above 5 GiB and parts below 5 MiB (except the last). */
const MIN_PART_BYTES = 5 * MiB;
const DEFAULT_MULTIPART_THRESHOLD = 256 * MiB;
const DEFAULT_PART_BYTES = 64 * MiB;

export interface S3Location {
  bucket: string;
  /** "" or a prefix ending in "/". */
  prefix: string;
}

interface S3ErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const statusOf = (error: unknown) => (error as S3ErrorShape | null)?.$metadata?.httpStatusCode;

function isMissing(error: unknown): boolean {
  const e = error as S3ErrorShape | null;
  return statusOf(error) === 404 || e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.name === "NoSuchBucket";
}

function describeError(error: unknown): string {
  const e = error as S3ErrorShape | null;
  const name = e?.Code ?? e?.name ?? e?.code;
  const status = statusOf(error);
  const message = e?.message && e.message !== "UnknownError" ? e.message : undefined;
  return [name, status === undefined ? undefined : `HTTP ${status}`, message].filter(Boolean).join(", ");
}

export class S3ArtifactStore implements ArtifactStore {
  readonly kind = "s3" as const;
  readonly displayUrl: string;
  private readonly client: S3Client;
  private readonly cache: ContentFolder;
  private readonly multipartThreshold: number;
  private readonly partBytes: number;
  private readonly downloads = new Map<string, Promise<string>>();

  constructor(
    private readonly location: S3Location,
    options: S3Options,
    /** LLMOPS_HOME: the verified local copies live under `<home>/cache/artifacts`. */
    home: string,
  ) {
    const endpoint = options.endpoint === undefined ? "" : ` at ${options.endpoint}`;
    this.displayUrl = `s3://${location.bucket}/${location.prefix}${endpoint}`;
    this.cache = new ContentFolder(path.join(home, "cache", "artifacts"));
    this.partBytes = Math.max(MIN_PART_BYTES, options.partSizeBytes ?? DEFAULT_PART_BYTES);
    this.multipartThreshold = Math.min(
      5 * 1024 * MiB,
      Math.max(this.partBytes, options.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD),
    );
    const credentials =
      options.accessKeyId !== undefined && options.secretAccessKey !== undefined
        ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
        : undefined; // the SDK's default chain (AWS_* variables, profiles, instance roles)
    this.client = new S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(credentials === undefined ? {} : { credentials }),
      // Checksums only where the API demands them: the newer default (CRC32 trailers with
      // aws-chunked bodies) is rejected by many S3-compatible servers. Integrity is ours anyway:
      // every read is checked against the sha256 that names the object.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      requestHandler: { connectionTimeout: 5000 },
      maxAttempts: 3,
    });
  }

  /** Checks the endpoint and credentials, creates the bucket when it is missing, cleans stale temp files. */
  async init(): Promise<this> {
    const { bucket } = this.location;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      if (!isMissing(error)) throw this.failure(`open bucket '${bucket}'`, error);
      try {
        await this.client.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (createError) {
        const name = (createError as S3ErrorShape).name;
        if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") {
          if (statusOf(createError) === 403) {
            throw new LlmopsError(
              "config_invalid",
              `The S3 bucket '${bucket}' does not exist at ${this.displayUrl} and these credentials may not create it (${describeError(createError)}). ` +
                "Create the bucket yourself, or use credentials that may (LLMOPS_S3_ACCESS_KEY_ID / LLMOPS_S3_SECRET_ACCESS_KEY).",
              { cause: createError },
            );
          }
          throw this.failure(`create bucket '${bucket}'`, createError);
        }
      }
    }
    await this.cache.cleanStaleTemp().catch(() => 0);
    return this;
  }

  destroy(): void {
    this.client.destroy();
  }

  private key(hash: string): string {
    return `${this.location.prefix}sha256/${hash.slice(0, 2)}/${hash}`;
  }

  /** Maps an SDK error to an LlmopsError that says what to check. */
  private failure(action: string, error: unknown): LlmopsError {
    const status = statusOf(error);
    if (status === 403 || status === 401) {
      return new LlmopsError(
        "config_invalid",
        `S3 refused to ${action} at ${this.displayUrl} (${describeError(error)}): check the credentials ` +
          "(LLMOPS_S3_ACCESS_KEY_ID / LLMOPS_S3_SECRET_ACCESS_KEY), the region and the bucket's policy.",
        { cause: error },
      );
    }
    return new LlmopsError(
      "unavailable",
      `Could not ${action} at ${this.displayUrl} (${describeError(error) || String(error)}): check that the endpoint ` +
        "(LLMOPS_S3_ENDPOINT) is reachable and LLMOPS_S3_FORCE_PATH_STYLE suits the server.",
      { cause: error },
    );
  }

  async putStream(stream: Readable | AsyncIterable<unknown>): Promise<ArtifactInfo> {
    const { tmp, hash, size } = await this.cache.writeTemp(stream);
    try {
      await this.upload(tmp, hash, size);
    } catch (error) {
      await unlink(tmp).catch(() => {});
      throw error;
    }
    // The temp file holds exactly the hashed bytes: keep it as the verified local copy.
    const cached = await this.cache.commit(tmp, hash);
    await markVerified(cached);
    return { hash, size };
  }

  async putFile(file: string): Promise<ArtifactInfo> {
    return this.putStream(await openLocal(file));
  }

  async putBuffer(data: Uint8Array): Promise<ArtifactInfo> {
    const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const hash = createHash("sha256").update(body).digest("hex");
    if ((await this.stat(hash))?.size !== body.length) {
      await this.send(`upload ${hash}`, () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.location.bucket,
            Key: this.key(hash),
            Body: body,
            ContentLength: body.length,
            ContentType: "application/octet-stream",
          }),
        ),
      );
    }
    return { hash, size: body.length };
  }

  private async upload(file: string, hash: string, size: number): Promise<void> {
    // Content addressing makes an existing object of the right size the same bytes (or a
    // corruption that reads will report); uploading it again would only cost bandwidth.
    if ((await this.stat(hash))?.size === size) return;
    const Bucket = this.location.bucket;
    const Key = this.key(hash);
    if (size <= this.multipartThreshold) {
      await this.send(`upload ${hash}`, () =>
        this.client.send(
          new PutObjectCommand({
            Bucket,
            Key,
            Body: createReadStream(file, { highWaterMark: 1 << 20 }),
            ContentLength: size,
            ContentType: "application/octet-stream",
          }),
        ),
      );
      return;
    }
    const created = await this.send(`start a multipart upload of ${hash}`, () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket, Key, ContentType: "application/octet-stream" })),
    );
    const UploadId = created.UploadId;
    if (UploadId === undefined) throw this.failure(`start a multipart upload of ${hash}`, new Error("no UploadId"));
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let offset = 0, PartNumber = 1; offset < size; offset += this.partBytes, PartNumber++) {
        const length = Math.min(this.partBytes, size - offset);
        // Parts go one at a time: memory stays at one stream buffer, and one connection saturates a CPU-only box.
        const part = await this.send(`upload part ${PartNumber} of ${hash}`, () =>
          this.client.send(
            new UploadPartCommand({
              Bucket,
              Key,
              UploadId,
              PartNumber,
              Body: createReadStream(file, { start: offset, end: offset + length - 1, highWaterMark: 1 << 20 }),
              ContentLength: length,
            }),
          ),
        );
        if (part.ETag === undefined) throw new Error(`part ${PartNumber} came back without an ETag`);
        parts.push({ ETag: part.ETag, PartNumber });
      }
      await this.send(`complete the upload of ${hash}`, () =>
        this.client.send(
          new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }),
        ),
      );
    } catch (error) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => {});
      throw error instanceof LlmopsError ? error : this.failure(`upload ${hash}`, error);
    }
  }

  private async send<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.failure(action, error);
    }
  }

  async has(hash: string): Promise<boolean> {
    return (await this.stat(hash)) !== null;
  }

  async stat(hash: string): Promise<ArtifactInfo | null> {
    assertHash(hash);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(hash) }));
      return { hash, size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.failure(`look up ${hash}`, error);
    }
  }

  /** GetObject as a Node stream, with its length; not_found when absent. */
  private async get(hash: string): Promise<{ body: Readable; size: number | undefined }> {
    assertHash(hash);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(hash) }));
      if (!(out.Body instanceof Readable)) throw new Error("the response body is not a Node stream");
      return { body: out.Body, size: out.ContentLength };
    } catch (error) {
      if (isMissing(error)) throw notFoundError(hash, this.displayUrl);
      throw this.failure(`read ${hash}`, error);
    }
  }

  async openRead(hash: string): Promise<Readable> {
    const { body, size } = await this.get(hash);
    return verifying(body, hash, this.displayUrl, size);
  }

  async readBuffer(hash: string): Promise<Buffer> {
    const { body } = await this.get(hash);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(toBuffer(chunk));
    const data = Buffer.concat(chunks);
    const actual = createHash("sha256").update(data).digest("hex");
    if (actual !== hash) throw integrityError(hash, this.displayUrl, actual, data.length);
    return data;
  }

  async localPath(hash: string): Promise<string> {
    assertHash(hash);
    const cached = this.cache.blobPath(hash);
    if ((await this.cache.size(hash)) !== null) {
      try {
        await verifyFileOnce(cached, hash, `the local cache ${this.cache.root}`);
        return cached;
      } catch (error) {
        if (!(error instanceof LlmopsError && error.code === "integrity")) throw error;
        // A damaged cache copy is only a cache: fetch a fresh one.
        await this.cache.remove(hash);
      }
    }
    // One download per hash at a time in this process; other processes race harmlessly
    // (each writes its own temp file, the renames are atomic and the bytes identical).
    let pending = this.downloads.get(hash);
    if (pending === undefined) {
      pending = this.download(hash).finally(() => this.downloads.delete(hash));
      this.downloads.set(hash, pending);
    }
    return pending;
  }

  private async download(hash: string): Promise<string> {
    const { body } = await this.get(hash);
    const written = await this.cache.writeTemp(body);
    if (written.hash !== hash) {
      await unlink(written.tmp).catch(() => {});
      throw integrityError(hash, this.displayUrl, written.hash, written.size);
    }
    const final = await this.cache.commit(written.tmp, hash);
    await markVerified(final);
    return final;
  }

  async delete(hash: string): Promise<void> {
    assertHash(hash);
    await this.send(`delete ${hash}`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.key(hash) })),
    );
    await this.cache.remove(hash);
  }

  async *list(): AsyncIterable<ArtifactInfo> {
    const Prefix = `${this.location.prefix}sha256/`;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.send("list artifacts", () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.location.bucket,
            Prefix,
            ...(ContinuationToken === undefined ? {} : { ContinuationToken }),
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(Prefix.length + 3);
        if (name !== undefined && isHash(name) && object.Key === this.key(name)) {
          yield { hash: name, size: object.Size ?? 0 };
        }
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }
}
