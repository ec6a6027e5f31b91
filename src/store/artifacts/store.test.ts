// One suite, run against every artifact store: the file store always, S3 when
// LLMOPS_TEST_S3_ENDPOINT (+ _ACCESS_KEY, _SECRET_KEY, _BUCKET) is set — required under CI; start
// OpenStack Swift's s3api with .ci/services/swift.sh. Each S3 run uses its own random key prefix.
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { requiredInCi, type TestS3, testS3 } from "../../../test/helpers/services.js";
import { LlmopsError } from "../../errors.js";
import { type ArtifactStore, openArtifactStore, parseArtifactsUrl } from "./index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");
const run = promisify(execFile);
const MiB = 1024 * 1024;

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function caught(promise: Promise<unknown>): Promise<LlmopsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LlmopsError);
  return error as LlmopsError;
}

interface Backend {
  name: "file" | "s3";
  /** A store; `home` defaults to one shared by the backend (pass a new one for an empty cache). */
  open(home?: string): Promise<ArtifactStore>;
  /** Replaces the stored bytes of `hash` behind the store's back. */
  corrupt(hash: string, bytes: Buffer): Promise<void>;
  /** Temp folders a finished write must leave empty. */
  tmpDirs(home?: string): string[];
  cleanup(): Promise<void>;
}

const dirs: string[] = [];
async function tempDir(tag: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `llmops-art-${tag}-`));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function fileBackend(): Promise<Backend> {
  const root = await tempDir("file");
  const blob = (hash: string) => path.join(root, "sha256", hash.slice(0, 2), hash);
  return {
    name: "file",
    open: async (home) => openArtifactStore(`file:${root}`, { home: home ?? root }),
    async corrupt(hash, bytes) {
      await chmod(blob(hash), 0o644); // stored blobs are read-only
      await writeFile(blob(hash), bytes);
    },
    tmpDirs: () => [path.join(root, "tmp")],
    cleanup: async () => {},
  };
}

async function s3Backend(config: TestS3): Promise<Backend> {
  const prefix = `llmops-test-${randomBytes(6).toString("hex")}`;
  const sharedHome = await tempDir("s3home");
  const raw = new S3Client({
    ...config.options,
    credentials: {
      accessKeyId: config.options.accessKeyId ?? "",
      secretAccessKey: config.options.secretAccessKey ?? "",
    },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const opened: ArtifactStore[] = [];
  return {
    name: "s3",
    async open(home) {
      const store = await openArtifactStore(`s3://${config.bucket}/${prefix}`, {
        home: home ?? sharedHome,
        // Small parts so that the 64 MiB test object goes up as a real multipart upload.
        s3: { ...config.options, multipartThresholdBytes: 16 * MiB, partSizeBytes: 8 * MiB },
      });
      opened.push(store);
      return store;
    },
    async corrupt(hash, bytes) {
      await raw.send(
        new PutObjectCommand({
          Bucket: config.bucket,
          Key: `${prefix}/sha256/${hash.slice(0, 2)}/${hash}`,
          Body: bytes,
          ContentLength: bytes.length,
        }),
      );
    },
    tmpDirs: (home) => [path.join(home ?? sharedHome, "cache", "artifacts", "tmp")],
    async cleanup() {
      const listed = await raw.send(new ListObjectsV2Command({ Bucket: config.bucket, Prefix: `${prefix}/` }));
      for (const object of listed.Contents ?? []) {
        await raw.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: object.Key }));
      }
      for (const store of opened) (store as { destroy?: () => void }).destroy?.();
      raw.destroy();
    },
  };
}

async function tmpFiles(backend: Backend, home?: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of backend.tmpDirs(home)) found.push(...(await readdir(dir).catch(() => [] as string[])));
  return found;
}

/** Pseudo-random bytes made chunk by chunk (a random block, stamped with the chunk's index): nothing holds the whole object. */
function* generated(totalBytes: number, chunkBytes: number, seed: Buffer): Generator<Buffer> {
  for (let i = 0; i * chunkBytes < totalBytes; i++) {
    const chunk = Buffer.from(seed.subarray(0, Math.min(chunkBytes, totalBytes - i * chunkBytes)));
    chunk.writeUInt32LE(i, 0);
    yield chunk;
  }
}

// Garbage (each 1 MiB chunk once written) would otherwise pile up to V8's external-memory GC
// trigger and blur what is actually retained; collecting before each sample measures live memory.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Runs `work` while sampling RSS after a GC; returns the peak growth over the starting RSS. */
async function peakRssGrowth(work: () => Promise<void>): Promise<number> {
  gc();
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    gc();
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return peak - start;
}

const s3Config = testS3();
const backends: (() => Promise<Backend>)[] = [fileBackend];
if (s3Config !== undefined) backends.push(() => s3Backend(s3Config));

describe("S3 test server", () => {
  it.runIf(s3Config === undefined)("is configured when CI is set (LLMOPS_TEST_S3_*)", () => {
    expect(() => requiredInCi("s3")).not.toThrow();
  });
});

describe.each(backends.map((make) => ({ make, name: make === fileBackend ? "file" : "s3" })))(
  "artifact store on $name",
  ({ make }) => {
    let backend: Backend;
    let store: ArtifactStore;
    const ready = (async () => {
      backend = await make();
      store = await backend.open();
    })();
    afterAll(async () => {
      await ready;
      await backend.cleanup();
    });

    it("round-trips bytes by their sha256", async () => {
      await ready;
      const data = Buffer.from("模型 weights 🚀 \u0000\u00ff binary-safe\n".repeat(100), "utf8");
      const info = await store.putBuffer(data);
      expect(info).toEqual({ hash: sha256(data), size: data.length });
      expect(await store.has(info.hash)).toBe(true);
      expect(await store.stat(info.hash)).toEqual(info);
      expect((await store.readBuffer(info.hash)).equals(data)).toBe(true);
      expect((await collect(await store.openRead(info.hash))).equals(data)).toBe(true);
      const listed: string[] = [];
      for await (const item of store.list()) listed.push(`${item.hash}:${item.size}`);
      expect(listed).toContain(`${info.hash}:${data.length}`);

      // An empty artifact is legal too (it has a well-known hash).
      const empty = await store.putBuffer(new Uint8Array());
      expect(empty).toEqual({ hash: sha256(Buffer.alloc(0)), size: 0 });
      expect((await store.readBuffer(empty.hash)).length).toBe(0);
    });

    it("stores the same bytes once, however they arrive", async () => {
      await ready;
      const data = randomBytes(300_000);
      const dir = await tempDir("src");
      const file = path.join(dir, "blob.bin");
      await writeFile(file, data);
      const a = await store.putBuffer(data);
      const b = await store.putStream(Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
      const c = await store.putFile(file);
      const d = await store.putFile(file);
      expect([b, c, d]).toEqual([a, a, a]);
      let copies = 0;
      for await (const item of store.list()) if (item.hash === a.hash) copies++;
      expect(copies).toBe(1);
      expect(await tmpFiles(backend)).toEqual([]);
    });

    it("names artifacts exactly as sha256sum does", async () => {
      await ready;
      const dir = await tempDir("sum");
      const file = path.join(dir, "model.gguf");
      await writeFile(file, randomBytes(1_000_003));
      const { stdout } = await run("sha256sum", [file]);
      const info = await store.putFile(file);
      expect(info.hash).toBe(stdout.split(/\s+/)[0]);
      expect(info.size).toBe(1_000_003);
    });

    it("detects stored bytes altered behind its back", async () => {
      await ready;
      const data = randomBytes(200_000);
      const { hash } = await store.putBuffer(data);
      const flipped = Buffer.from(data);
      flipped[123_456] = (flipped[123_456] ?? 0) ^ 0x01; // one bit, same length
      await backend.corrupt(hash, flipped);

      const streamed = await caught(collect(await store.openRead(hash)));
      expect(streamed.code).toBe("integrity");
      expect(streamed.message).toContain(hash);
      expect(streamed.message).toContain(sha256(flipped));
      expect((await caught(store.readBuffer(hash))).code).toBe("integrity");
      // localPath from a store with an empty cache must not hand out the bad bytes either.
      const freshHome = await tempDir("home");
      const fresh = await backend.open(freshHome);
      expect((await caught(fresh.localPath(hash))).code).toBe("integrity");
      expect(await tmpFiles(backend, freshHome)).toEqual([]);

      // A shorter object is caught too.
      await backend.corrupt(hash, data.subarray(0, 1000));
      expect((await caught(collect(await store.openRead(hash)))).code).toBe("integrity");

      // Putting the original bytes again repairs it.
      await store.putBuffer(data);
      expect((await store.readBuffer(hash)).equals(data)).toBe(true);
    });

    it("survives concurrent puts of the same content", async () => {
      await ready;
      const data = randomBytes(4 * MiB + 17);
      const results = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          i % 2 === 0 ? store.putBuffer(data) : store.putStream(Readable.from(generatedFrom(data, 64 * 1024))),
        ),
      );
      for (const r of results) expect(r).toEqual({ hash: sha256(data), size: data.length });
      expect((await store.readBuffer(sha256(data))).equals(data)).toBe(true);
      expect(await tmpFiles(backend)).toEqual([]);
    });

    it("streams a 64 MiB object in and out with bounded memory", async () => {
      await ready;
      const total = 64 * MiB;
      const seed = randomBytes(MiB);
      // The expected hash is computed as the bytes are generated, so no copy exists before the put.
      const expected = createHash("sha256");
      const source = (function* () {
        for (const chunk of generated(total, MiB, seed)) {
          expected.update(chunk);
          yield chunk;
        }
      })();
      let info: { hash: string; size: number } | undefined;
      const growthIn = await peakRssGrowth(async () => {
        info = await store.putStream(Readable.from(source, { objectMode: false, highWaterMark: MiB }));
      });
      const hash = expected.digest("hex");
      expect(info).toEqual({ hash, size: total });

      const back = createHash("sha256");
      let size = 0;
      const growthOut = await peakRssGrowth(async () => {
        for await (const chunk of await store.openRead(hash)) {
          back.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
      });
      expect(size).toBe(total);
      expect(back.digest("hex")).toBe(hash);
      // Buffering the object would grow RSS by ≥ 64 MiB; streaming stays at a few buffers.
      console.log(
        `${backend.name}: 64 MiB put grew RSS by ${(growthIn / MiB).toFixed(1)} MiB, read by ${(growthOut / MiB).toFixed(1)} MiB`,
      );
      expect(growthIn).toBeLessThan(32 * MiB);
      expect(growthOut).toBeLessThan(32 * MiB);
      await store.delete(hash);
    }, 120_000);

    it("reports missing artifacts as not_found and bad hashes as invalid_request", async () => {
      await ready;
      const absent = sha256(randomBytes(32));
      expect(await store.has(absent)).toBe(false);
      expect(await store.stat(absent)).toBeNull();
      for (const attempt of [
        () => store.readBuffer(absent),
        () => store.openRead(absent),
        () => store.localPath(absent),
      ]) {
        const error = await caught(attempt());
        expect(error.code).toBe("not_found");
        expect(error.message).toContain(absent);
      }
      const bad = ["", "xyz", absent.toUpperCase(), absent.slice(1), `${absent}0`, "../../etc/passwd", `${absent}/..`];
      for (const hash of bad) {
        const attempts: ((h: string) => Promise<unknown>)[] = [
          (h) => store.has(h),
          (h) => store.stat(h),
          (h) => store.readBuffer(h),
          (h) => store.openRead(h),
          (h) => store.localPath(h),
          (h) => store.delete(h),
        ];
        for (const attempt of attempts) {
          expect((await caught(attempt(hash))).code, hash).toBe("invalid_request");
        }
      }
    });

    it("gives a local path holding the verified bytes", async () => {
      await ready;
      const data = randomBytes(2 * MiB);
      const { hash } = await store.putBuffer(data);
      const home = await tempDir("home");
      const reader = await backend.open(home); // an empty cache, as on a fresh worker machine
      const first = await reader.localPath(hash);
      expect(sha256(await readFile(first))).toBe(hash);
      const again = await Promise.all([reader.localPath(hash), reader.localPath(hash)]);
      expect(again).toEqual([first, first]);
      if (backend.name === "s3") {
        expect(first).toBe(path.join(home, "cache", "artifacts", "sha256", hash.slice(0, 2), hash));
        // A damaged cache copy is replaced by a fresh download, not served.
        await chmod(first, 0o644);
        await writeFile(first, randomBytes(2 * MiB));
        const repaired = await reader.localPath(hash);
        expect(sha256(await readFile(repaired))).toBe(hash);
      } else {
        // For the file store it is the stored file itself, re-verified when it changes.
        await backend.corrupt(hash, randomBytes(2 * MiB));
        expect((await caught(reader.localPath(hash))).code).toBe("integrity");
      }
      expect(await tmpFiles(backend, home)).toEqual([]);
    });

    it("deletes idempotently", async () => {
      await ready;
      const { hash } = await store.putBuffer(randomBytes(1000));
      await store.delete(hash);
      expect(await store.has(hash)).toBe(false);
      await store.delete(hash);
      expect((await caught(store.readBuffer(hash))).code).toBe("not_found");
    });

    it("keeps nothing when the source stream fails mid-way", async () => {
      await ready;
      const failing = Readable.from(
        (async function* () {
          yield randomBytes(MiB);
          throw new Error("upload connection reset");
        })(),
      );
      const before: string[] = [];
      for await (const item of store.list()) before.push(item.hash);
      await expect(store.putStream(failing)).rejects.toThrow("upload connection reset");
      const after: string[] = [];
      for await (const item of store.list()) after.push(item.hash);
      expect(after.sort()).toEqual(before.sort());
      expect(await tmpFiles(backend)).toEqual([]);
      // A missing source file is the caller's error, named clearly.
      const missing = await caught(store.putFile(path.join(tmpdir(), "no-such-file-llmops.gguf")));
      expect(missing.code).toBe("invalid_request");
      expect(missing.message).toContain("does not exist");
    });
  },
);

function* generatedFrom(data: Buffer, chunk: number): Generator<Buffer> {
  for (let off = 0; off < data.length; off += chunk) yield data.subarray(off, off + chunk);
}

describe("file artifact store on disk", () => {
  it("lays blobs out as sha256/ab/<hash>, read-only", async () => {
    const root = await tempDir("layout");
    const store = await openArtifactStore(root, { home: root });
    const data = Buffer.from("hello");
    const { hash } = await store.putBuffer(data);
    const blob = path.join(root, "sha256", hash.slice(0, 2), hash);
    expect(await store.localPath(hash)).toBe(blob);
    expect((await stat(blob)).mode & 0o777).toBe(0o444);
    expect(store.displayUrl).toBe(`file:${root}`);
  });

  it("leaves only a temp file when a writer is killed, and cleans it up later", async () => {
    const root = await tempDir("killed");
    const fixture = path.join(here, "test-fixtures", "slow-writer.ts");
    const viteNode = path.join(repoRoot, "node_modules", "vite-node", "vite-node.mjs");
    const child = spawn(process.execPath, [viteNode, fixture, root], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => (d.toString().includes("writing") ? resolve() : undefined));
      child.once("exit", () => reject(new Error(`writer exited early: ${stderr}`)));
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;

    const temps = await readdir(path.join(root, "tmp"));
    expect(temps).toHaveLength(1);
    expect((await stat(path.join(root, "tmp", temps[0]!))).size).toBeGreaterThan(0);
    expect(await readdir(path.join(root, "sha256"))).toEqual([]);

    // A fresh temp file may belong to a live writer in another process: kept.
    await openArtifactStore(root, { home: root });
    expect(await readdir(path.join(root, "tmp"))).toHaveLength(1);
    // One untouched for hours belongs to a dead one: removed when a store opens.
    const old = new Date(Date.now() - 3 * 3600_000);
    await utimes(path.join(root, "tmp", temps[0]!), old, old);
    await openArtifactStore(root, { home: root });
    expect(await readdir(path.join(root, "tmp"))).toEqual([]);
  }, 60_000);

  it("fails with unavailable when the folder cannot be created", async () => {
    const root = await tempDir("blocked");
    const file = path.join(root, "a-file");
    await writeFile(file, "x");
    const error = await caught(openArtifactStore(`file:${path.join(file, "artifacts")}`, { home: root }));
    expect(error.code).toBe("unavailable");
    expect(error.message).toContain("a-file");
  });
});

describe("artifact store URLs", () => {
  it("parses file and s3 URLs", () => {
    expect(parseArtifactsUrl("file:/data/artifacts")).toEqual({ kind: "file", root: "/data/artifacts" });
    expect(parseArtifactsUrl("file:///data/artifacts")).toEqual({ kind: "file", root: "/data/artifacts" });
    expect(parseArtifactsUrl("file:rel/a", "/base")).toEqual({ kind: "file", root: "/base/rel/a" });
    expect(parseArtifactsUrl("./plain", "/base")).toEqual({ kind: "file", root: "/base/plain" });
    expect(parseArtifactsUrl("s3://my-bucket")).toEqual({ kind: "s3", bucket: "my-bucket", prefix: "" });
    expect(parseArtifactsUrl("s3://my-bucket/")).toEqual({ kind: "s3", bucket: "my-bucket", prefix: "" });
    expect(parseArtifactsUrl("s3://my-bucket/teams/a/")).toEqual({
      kind: "s3",
      bucket: "my-bucket",
      prefix: "teams/a/",
    });
  });

  it("rejects bad URLs with config_invalid", () => {
    for (const bad of [
      "",
      "s3://",
      "s3://UPPER/x",
      "s3://ab",
      "s3://b_k/x",
      "s3://bucket/a//b",
      "s3://bucket/../x",
      "gs://b/x",
      "http://x/y",
    ]) {
      let error: unknown;
      try {
        parseArtifactsUrl(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(LlmopsError);
      expect((error as LlmopsError).code, bad).toBe("config_invalid");
      expect((error as LlmopsError).message, bad).toContain("use file:PATH or s3://bucket/prefix");
    }
  });

  it("fails with unavailable when the S3 endpoint cannot be reached", async () => {
    const home = await tempDir("unreachable");
    const error = await caught(
      openArtifactStore("s3://llmops-nowhere/x", {
        home,
        s3: {
          endpoint: "http://127.0.0.1:1",
          region: "us-east-1",
          accessKeyId: "a",
          secretAccessKey: "b",
          forcePathStyle: true,
        },
      }),
    );
    expect(error.code).toBe("unavailable");
    expect(error.message).toContain("http://127.0.0.1:1");
    expect(error.message).toContain("LLMOPS_S3_ENDPOINT");
  });

  it.runIf(s3Config !== undefined)("fails with config_invalid when S3 refuses the credentials", async () => {
    const home = await tempDir("badcreds");
    const options = { ...s3Config!.options, accessKeyId: "test:tester", secretAccessKey: "wrong-secret" };
    const error = await caught(openArtifactStore(`s3://${s3Config!.bucket}/x`, { home, s3: options }));
    expect(error.code).toBe("config_invalid");
    expect(error.message).toMatch(/credentials/);
    expect(error.message).not.toContain("wrong-secret");
  });
});
