// Opens the artifact store named by a URL.
import { FileArtifactStore } from "./file.js";
import type { ArtifactStore, S3Options } from "./types.js";
import { parseArtifactsUrl } from "./url.js";

export { assertHash } from "./hash.js";
export type { ArtifactInfo, ArtifactStore, S3Options } from "./types.js";
export { parseArtifactsUrl } from "./url.js";

export interface OpenArtifactStoreOptions {
  /** LLMOPS_HOME; the S3 store keeps verified local copies under `<home>/cache/artifacts`. */
  home: string;
  /** Endpoint, region, credentials and addressing for `s3://` URLs (default: AWS, us-east-1, SDK credential chain). */
  s3?: S3Options;
}

/**
 * `file:PATH` / `file://PATH` / a plain path → content-addressed folder; `s3://bucket/prefix` →
 * S3-compatible object store (bucket created when missing). Throws LlmopsError `config_invalid`
 * for a bad URL or refused credentials, `unavailable` when the folder or endpoint cannot be used.
 */
export async function openArtifactStore(url: string, opts: OpenArtifactStoreOptions): Promise<ArtifactStore> {
  const target = parseArtifactsUrl(url);
  if (target.kind === "file") return new FileArtifactStore(target.root).init();
  // Loaded on demand: the AWS SDK is large and most installations never use it.
  const { S3ArtifactStore } = await import("./s3.js");
  const store = new S3ArtifactStore(
    { bucket: target.bucket, prefix: target.prefix },
    opts.s3 ?? { region: "us-east-1", forcePathStyle: false },
    opts.home,
  );
  try {
    return await store.init();
  } catch (error) {
    store.destroy();
    throw error;
  }
}
