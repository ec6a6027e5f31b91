// Loads the configuration with the precedence flags > environment (LLMOPS_*) > llmops.yaml >
// defaults. Paths in llmops.yaml are relative to the file; paths from flags and the environment
// are relative to the working directory, as a user typing them would expect.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { LlmopsError } from "../errors.js";
import { type Config, type ConfigLayer, configSchema } from "./schema.js";

export interface LoadConfigOptions {
  /** Values from command-line flags (highest precedence). */
  flags?: ConfigLayer;
  /** Explicit config file (`--config`); otherwise LLMOPS_CONFIG, then ./llmops.yaml if present. */
  configFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface LoadedConfig {
  config: Config;
  /** The llmops.yaml that was read, if any. */
  file: string | null;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = findConfigFile(options.configFile ?? env.LLMOPS_CONFIG, cwd);
  const fileLayer = file ? readConfigFile(file) : {};
  const envLayer = environmentLayer(env, cwd);
  const flagLayer = absolutizePaths(options.flags ?? {}, cwd);

  const merged = mergeLayers([fileLayer, envLayer, flagLayer]);
  const home = merged.home ?? path.resolve(cwd, ".llmops");
  const withDefaults = mergeLayers([defaults(home), merged]);
  const result = configSchema.safeParse(withDefaults);
  if (!result.success) {
    throw new LlmopsError(
      "config_invalid",
      `Invalid configuration${file ? ` (file ${file})` : ""}:\n${formatIssues(result.error.issues)}\n` +
        "Fix the value in llmops.yaml, the LLMOPS_* environment variable or the flag named above.",
    );
  }
  return { config: result.data, file };
}

function defaults(home: string): ConfigLayer {
  return {
    home,
    database_url: `sqlite:${path.join(home, "llmops.db")}`,
    artifacts_url: `file:${path.join(home, "artifacts")}`,
    s3: { region: "us-east-1", force_path_style: true },
    server: { host: "127.0.0.1", port: 8080 },
    workers: { count: 0, threads: 1, base_port: 0, context_size: 2048 },
    upstreams: [],
    log_level: "info",
  };
}

function findConfigFile(explicit: string | undefined, cwd: string): string | null {
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!existsSync(file)) {
      throw new LlmopsError("config_invalid", `Config file ${file} does not exist; check --config or LLMOPS_CONFIG.`);
    }
    return file;
  }
  const local = path.join(cwd, "llmops.yaml");
  return existsSync(local) ? local : null;
}

function readConfigFile(file: string): ConfigLayer {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new LlmopsError("config_invalid", `Cannot parse ${file} as YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new LlmopsError("config_invalid", `${file} must contain a YAML mapping (key: value lines) at the top level.`);
  }
  return absolutizePaths(data as ConfigLayer, path.dirname(file));
}

function environmentLayer(env: NodeJS.ProcessEnv, cwd: string): ConfigLayer {
  const layer: Record<string, unknown> = {};
  const s3: Record<string, unknown> = {};
  const server: Record<string, unknown> = {};
  const workers: Record<string, unknown> = {};
  const set = (target: Record<string, unknown>, key: string, value: string | undefined) => {
    if (value !== undefined && value !== "") target[key] = value;
  };
  set(layer, "home", env.LLMOPS_HOME);
  set(layer, "database_url", env.LLMOPS_DATABASE_URL);
  set(layer, "artifacts_url", env.LLMOPS_ARTIFACTS_URL);
  set(layer, "redis_url", env.LLMOPS_REDIS_URL);
  set(layer, "admin_key", env.LLMOPS_ADMIN_KEY);
  set(layer, "log_level", env.LLMOPS_LOG_LEVEL);
  set(s3, "endpoint", env.LLMOPS_S3_ENDPOINT);
  set(s3, "region", env.LLMOPS_S3_REGION ?? env.AWS_REGION);
  set(s3, "access_key_id", env.LLMOPS_S3_ACCESS_KEY_ID ?? env.AWS_ACCESS_KEY_ID);
  set(s3, "secret_access_key", env.LLMOPS_S3_SECRET_ACCESS_KEY ?? env.AWS_SECRET_ACCESS_KEY);
  if (env.LLMOPS_S3_FORCE_PATH_STYLE !== undefined && env.LLMOPS_S3_FORCE_PATH_STYLE !== "") {
    s3.force_path_style = !/^(0|false|no|off)$/i.test(env.LLMOPS_S3_FORCE_PATH_STYLE);
  }
  set(server, "host", env.LLMOPS_HOST);
  set(server, "port", env.LLMOPS_PORT);
  set(workers, "count", env.LLMOPS_WORKERS);
  set(workers, "threads", env.LLMOPS_WORKER_THREADS);
  if (Object.keys(s3).length) layer.s3 = s3;
  if (Object.keys(server).length) layer.server = server;
  if (Object.keys(workers).length) layer.workers = workers;
  if (env.LLMOPS_TRACING_OTLP_ENDPOINT) layer.tracing = { otlp_endpoint: env.LLMOPS_TRACING_OTLP_ENDPOINT };
  return absolutizePaths(layer as ConfigLayer, cwd);
}

/** Resolves `home` and the local paths inside `sqlite:` / `file:` URLs against a base folder. */
function absolutizePaths(layer: ConfigLayer, base: string): ConfigLayer {
  const out: ConfigLayer = { ...layer };
  if (typeof out.home === "string") out.home = path.resolve(base, out.home);
  if (typeof out.database_url === "string") out.database_url = absolutizeUrl(out.database_url, "sqlite:", base);
  if (typeof out.artifacts_url === "string") out.artifacts_url = absolutizeUrl(out.artifacts_url, "file:", base);
  return out;
}

function absolutizeUrl(url: string, scheme: string, base: string): string {
  if (!url.startsWith(scheme)) return url;
  const rest = url.slice(scheme.length).replace(/^\/\/(?=\/)/, "");
  if (rest === ":memory:" || rest === "") return url;
  return `${scheme}${path.resolve(base, rest)}`;
}

function mergeLayers(layers: ConfigLayer[]): ConfigLayer {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const current = out[key];
      out[key] = isPlainObject(value) && isPlainObject(current) ? { ...current, ...stripUndefined(value) } : value;
    }
  }
  return out as ConfigLayer;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stripUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

const envNames: Record<string, string> = {
  home: "LLMOPS_HOME",
  database_url: "LLMOPS_DATABASE_URL",
  artifacts_url: "LLMOPS_ARTIFACTS_URL",
  redis_url: "LLMOPS_REDIS_URL",
  admin_key: "LLMOPS_ADMIN_KEY",
  log_level: "LLMOPS_LOG_LEVEL",
  "s3.endpoint": "LLMOPS_S3_ENDPOINT",
  "server.port": "LLMOPS_PORT",
  "server.host": "LLMOPS_HOST",
  "workers.count": "LLMOPS_WORKERS",
  "workers.threads": "LLMOPS_WORKER_THREADS",
};

function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const key = issue.path.join(".");
      const env = envNames[key];
      return `  - ${key || "(top level)"}${env ? ` (${env})` : ""}: ${issue.message}`;
    })
    .join("\n");
}
