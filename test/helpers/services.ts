// Where the real servers for integration tests are, read from the environment that
// `.ci/services/*.sh` prints. Each returns undefined when its server is not configured; suites
// then call `requiredInCi(...)`, which fails under CI (a missing server there is a broken
// pipeline, not a reason to skip) and lets a laptop run the embedded half of the suite.
import type { S3Options } from "../../src/store/artifacts/types.js";

export interface TestS3 {
  endpoint: string;
  bucket: string;
  options: S3Options;
}

const scriptFor: Record<string, string> = {
  postgres: ".ci/services/postgres.sh",
  s3: ".ci/services/swift.sh",
  redis: ".ci/services/redis.sh",
  nginx: ".ci/services/nginx.sh",
  promtool: ".ci/services/prometheus-tools.sh",
};

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value.trim();

/** True when running under CI (`CI` set to anything but "" / "0" / "false"). */
export function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

/** LLMOPS_TEST_POSTGRES_URL, e.g. postgres://postgres@127.0.0.1:55432/postgres. */
export function testPostgresUrl(): string | undefined {
  return nonEmpty(process.env.LLMOPS_TEST_POSTGRES_URL);
}

/** LLMOPS_TEST_REDIS_URL, e.g. redis://127.0.0.1:56379. */
export function testRedisUrl(): string | undefined {
  return nonEmpty(process.env.LLMOPS_TEST_REDIS_URL);
}

/**
 * LLMOPS_TEST_S3_ENDPOINT + LLMOPS_TEST_S3_ACCESS_KEY + LLMOPS_TEST_S3_SECRET_KEY +
 * LLMOPS_TEST_S3_BUCKET (+ optional LLMOPS_TEST_S3_REGION, default us-east-1). Undefined unless
 * the endpoint is set; throws when it is set but the rest is missing, so a half-configured CI
 * never silently skips.
 */
export function testS3(): TestS3 | undefined {
  const endpoint = nonEmpty(process.env.LLMOPS_TEST_S3_ENDPOINT);
  if (endpoint === undefined) return undefined;
  const accessKeyId = nonEmpty(process.env.LLMOPS_TEST_S3_ACCESS_KEY);
  const secretAccessKey = nonEmpty(process.env.LLMOPS_TEST_S3_SECRET_KEY);
  const bucket = nonEmpty(process.env.LLMOPS_TEST_S3_BUCKET);
  const missing = [
    accessKeyId === undefined ? "LLMOPS_TEST_S3_ACCESS_KEY" : undefined,
    secretAccessKey === undefined ? "LLMOPS_TEST_S3_SECRET_KEY" : undefined,
    bucket === undefined ? "LLMOPS_TEST_S3_BUCKET" : undefined,
  ].filter((name) => name !== undefined);
  if (missing.length > 0 || bucket === undefined) {
    throw new Error(
      `LLMOPS_TEST_S3_ENDPOINT is set but ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not; ` +
        'run eval "$(.ci/services/swift.sh)" to get all of them',
    );
  }
  return {
    endpoint,
    bucket,
    options: {
      endpoint,
      region: nonEmpty(process.env.LLMOPS_TEST_S3_REGION) ?? "us-east-1",
      accessKeyId,
      secretAccessKey,
      forcePathStyle: true,
    },
  };
}

/**
 * Call when a server's config is missing: throws under CI (name: "postgres" | "s3" | "redis"),
 * returns normally otherwise so the caller can skip that half of the suite.
 */
export function requiredInCi(name: string): void {
  if (!inCi()) return;
  const script = scriptFor[name] ?? ".ci/services/start-all.sh";
  throw new Error(
    `CI is set but the ${name} test server is not configured: start it with eval "$(${script})" ` +
      "before running the tests (see .ci/services/)",
  );
}
