// Token counts from an OpenAI `usage` object, and the model-name rewrite applied to upstream answers.

export interface TokenUsage {
  promptTokens: number | null;
  completionTokens: number | null;
}

function count(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : null;
}

/** Reads `{prompt_tokens, completion_tokens}`; null when absent or not an object (`"usage": null`). */
export function usageOf(value: unknown): TokenUsage | null {
  if (typeof value !== "object" || value === null) return null;
  const usage = value as Record<string, unknown>;
  const promptTokens = count(usage.prompt_tokens);
  const completionTokens = count(usage.completion_tokens);
  return promptTokens === null && completionTokens === null ? null : { promptTokens, completionTokens };
}

const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\]/g;

/**
 * Replaces `"model":"<upstream name>"` with the name the client asked for in raw JSON text, without
 * parsing it (used per SSE chunk). Inside JSON strings a quote is always escaped, so the pattern can
 * only match a key. Returns null when the names are equal. Upstreams that escape `/` as `\/` are not
 * rewritten (none of ours do).
 */
export function modelRewriter(upstreamModel: string, requestedModel: string): ((text: string) => string) | null {
  if (upstreamModel === requestedModel) return null;
  const pattern = new RegExp(`"model"\\s*:\\s*${JSON.stringify(upstreamModel).replace(REGEXP_SPECIAL, "\\$&")}`, "g");
  const replacement = `"model":${JSON.stringify(requestedModel)}`;
  return (text) => text.replace(pattern, () => replacement);
}
