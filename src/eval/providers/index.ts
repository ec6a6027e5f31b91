// Provider registry: turns a provider reference from a suite or the command line into a Provider.
//   openai:MODEL [config.baseUrl, config.apiKeyEnv]   any OpenAI-compatible endpoint
//   NAME@VERSION | NAME@ALIAS | llmops:NAME@…          a registered model (./registered.ts)
import { LlmopsError } from "../../errors.js";
import type { GenerationOptions, Provider, ProviderSpec } from "../types.js";
import { OpenAiCompatibleProvider } from "./openai-compatible.js";
import { openRegisteredProvider, type RegisteredProviderDeps } from "./registered.js";

export interface ProviderFactoryOptions {
  /** Needed for registered models; absent in pure-HTTP runs (benchmarks against a mock upstream). */
  registered?: RegisteredProviderDeps | undefined;
  /** Suite-wide generation options, under each provider's own. */
  defaults?: GenerationOptions | undefined;
  /** HTTP pool size per provider (the run's concurrency). */
  connections?: number | undefined;
}

export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";

export function providerKey(spec: ProviderSpec): string {
  return typeof spec === "string" ? spec : JSON.stringify(spec);
}

export async function createProvider(spec: ProviderSpec, options: ProviderFactoryOptions = {}): Promise<Provider> {
  const s = typeof spec === "string" ? { id: spec } : spec;
  const defaults = { ...options.defaults, ...("options" in s ? s.options : {}) };
  const config = "config" in s ? (s.config ?? {}) : {};
  const label = "label" in s ? s.label : undefined;
  if (s.id.startsWith("openai:")) {
    const model = config.model ?? s.id.slice("openai:".length);
    if (!model) throw new LlmopsError("invalid_request", "openai: needs a model name, e.g. openai:gpt-4o-mini.");
    const baseUrl = config.baseUrl ?? process.env.OPENAI_BASE_URL ?? OPENAI_DEFAULT_BASE_URL;
    const envName = config.apiKeyEnv ?? "OPENAI_API_KEY";
    const apiKey = process.env[envName];
    if (!apiKey && baseUrl === OPENAI_DEFAULT_BASE_URL) {
      throw new LlmopsError("usage", `Provider ${s.id} needs an API key in $${envName} (or set config.apiKeyEnv).`);
    }
    return new OpenAiCompatibleProvider({
      // The endpoint is part of the identity: the same model name on two servers is two providers.
      id: `openai:${model}@${baseUrl}`,
      label: label ?? s.id,
      baseUrl,
      model,
      apiKey,
      textApi: config.textApi ?? "chat",
      timeoutMs: config.timeoutMs,
      defaults,
      connections: options.connections,
    });
  }
  if (!options.registered) {
    throw new LlmopsError(
      "invalid_request",
      `Provider '${s.id}' looks like a registered model, but this run has no registry; use openai:MODEL with config.baseUrl for a plain endpoint.`,
    );
  }
  if (config.baseUrl) {
    return openRegisteredProvider(
      { ref: s.id, label, defaults, timeoutMs: config.timeoutMs, connections: options.connections },
      { ...options.registered, baseUrl: config.baseUrl, apiKeyEnv: config.apiKeyEnv ?? options.registered.apiKeyEnv },
    );
  }
  return openRegisteredProvider(
    { ref: s.id, label, defaults, timeoutMs: config.timeoutMs, connections: options.connections },
    options.registered,
  );
}
