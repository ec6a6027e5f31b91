// A registered model version (`tiny@3`, `tiny@production`, `llmops:tiny@3`) as an evaluation
// provider. The reference is resolved once, to a fixed version, so an alias moving mid-run changes
// nothing; then, in order of preference:
//   1. through a gateway, when a base URL is given (its keys, routing and request log apply);
//   2. through the live workers already serving that version (found by the caller's findWorkers);
//   3. through a worker started in this process for the run (one thread, loopback, stopped on close).
// All three are the same OpenAI-compatible HTTP path, so results do not depend on which was used.
import { LlmopsError } from "../../errors.js";
import type { ModelRegistry } from "../../registry/index.js";
import { startWorker } from "../../serve/worker-server.js";
import type { ArtifactStore } from "../../store/artifacts/types.js";
import type { GenerationOptions, Provider } from "../types.js";
import { OpenAiCompatibleProvider } from "./openai-compatible.js";

export interface RegisteredProviderDeps {
  registry: ModelRegistry;
  artifacts: ArtifactStore;
  /**
   * Base URLs (…/v1) of live workers serving a version. Injected by the caller (the CLI and the API
   * pass the platform's worker table) so this domain module does not depend on the platform layer.
   */
  findWorkers?: ((name: string, version: number) => Promise<string[]>) | undefined;
  /** Go through this gateway (…/v1) instead of workers. */
  baseUrl?: string | undefined;
  /** Environment variable holding the gateway key (default LLMOPS_API_KEY). */
  apiKeyEnv?: string | undefined;
  /** Threads of a worker started for the run (default 1: on CPU, one thread per worker is best). */
  threads?: number | undefined;
}

export interface RegisteredProviderOptions {
  ref: string;
  label?: string | undefined;
  defaults?: GenerationOptions | undefined;
  timeoutMs?: number | undefined;
  connections?: number | undefined;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const origin = url.replace(/\/v1\/?$/, "");
    const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(1500) });
    return response.ok;
  } catch {
    return false;
  }
}

export async function openRegisteredProvider(
  options: RegisteredProviderOptions,
  deps: RegisteredProviderDeps,
): Promise<Provider & { via: "gateway" | "worker" | "started-worker" }> {
  const ref = options.ref.replace(/^llmops:/, "");
  const version = await deps.registry.resolve(ref);
  const id = `llmops:${version.ref}`;
  const label = options.label ?? (ref === version.ref ? version.ref : `${ref} → ${version.ref}`);
  const common = {
    id,
    label,
    textApi: "completions" as const,
    timeoutMs: options.timeoutMs,
    defaults: options.defaults,
    connections: options.connections,
  };
  if (deps.baseUrl) {
    const envName = deps.apiKeyEnv ?? "LLMOPS_API_KEY";
    const apiKey = process.env[envName];
    if (!apiKey) {
      throw new LlmopsError(
        "usage",
        `Going through the gateway at ${deps.baseUrl} needs a key: set ${envName} (or name another variable with --api-key-env).`,
      );
    }
    const provider = new OpenAiCompatibleProvider({ ...common, baseUrl: deps.baseUrl, model: version.ref, apiKey });
    return Object.assign(provider, { via: "gateway" as const });
  }
  const live = (await deps.findWorkers?.(version.name, version.version)) ?? [];
  const urls = (await Promise.all(live.map(async (url) => ((await healthy(url)) ? url : null)))).filter(
    (u): u is string => u !== null,
  );
  if (urls.length > 0) {
    // Calls rotate over every live worker of the version (on CPU, more workers = more throughput).
    // A worker accepts its model's bare name whatever suffix it was started with.
    const [first, ...more] = urls as [string, ...string[]];
    const provider = new OpenAiCompatibleProvider({
      ...common,
      baseUrl: first,
      moreBaseUrls: more,
      model: version.name,
    });
    return Object.assign(provider, { via: "worker" as const });
  }
  const modelPath = await deps.artifacts.localPath(version.artifactHash);
  const worker = await startWorker({
    modelPath,
    modelName: version.ref,
    threads: deps.threads ?? 1,
    ...(version.contextLength ? { contextSize: Math.min(version.contextLength, 4096) } : {}),
    drainTimeoutMs: 1000,
  });
  const provider = new OpenAiCompatibleProvider({
    ...common,
    baseUrl: worker.url,
    model: version.ref,
    onClose: () => worker.close(),
  });
  return Object.assign(provider, { via: "started-worker" as const });
}
