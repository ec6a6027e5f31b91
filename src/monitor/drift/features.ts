// One request's drift features, computed from its prompt and answer; the text itself is never kept.
// Tokens here are coarse and model-independent: words of letters/digits, and each CJK character on
// its own, hashed into 64 buckets — enough to see the vocabulary of the traffic move.
import { detectLanguage } from "../../data/text/lang.js";
import { isRefusal } from "../../eval/builtin/refusal.js";
import type { MonitorFeaturesTable } from "../../store/schema.js";

export const TOKEN_BUCKETS = 64;
/** Only the first this-many characters are tokenised and language-checked (cost stays bounded). */
const SCAN_CHARS = 8192;

export type FeatureRow = MonitorFeaturesTable;

/** The languages the drift check tells apart; everything else is "other". */
export function languageClass(text: string): "zh" | "en" | "other" | "none" {
  if (text.trim() === "") return "none";
  const { lang } = detectLanguage(text.slice(0, SCAN_CHARS));
  return lang === "zh" || lang === "en" ? lang : "other";
}

/** Hashed token counts (bucket index → count), FNV-1a over lower-cased words and single CJK characters. */
export function tokenBuckets(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const token of text
    .slice(0, SCAN_CHARS)
    .toLowerCase()
    .match(/[\p{Script=Han}]|[\p{L}\p{N}]+/gu) ?? []) {
    let hash = 2166136261;
    for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 16777619);
    const key = String((hash >>> 0) % TOKEN_BUCKETS);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        typeof part === "object" && part !== null && typeof (part as { text?: unknown }).text === "string"
          ? (part as { text: string }).text
          : "",
      )
      .join("\n");
  }
  return "";
}

/** The prompt's text: chat messages (user, system and assistant turns) or a completion prompt. */
export function promptText(body: Record<string, unknown>): string {
  if (Array.isArray(body.messages)) {
    return body.messages
      .map((m) => (typeof m === "object" && m !== null ? contentText((m as { content?: unknown }).content) : ""))
      .join("\n");
  }
  if (typeof body.prompt === "string") return body.prompt;
  if (Array.isArray(body.prompt)) return body.prompt.filter((p) => typeof p === "string").join("\n");
  if (typeof body.input === "string") return body.input; // embeddings
  if (Array.isArray(body.input)) return body.input.filter((p) => typeof p === "string").join("\n");
  return "";
}

/** The answer's text from a JSON completion (chat or text), first choice. */
export function answerText(json: Record<string, unknown>): string {
  const choices = json.choices;
  if (!Array.isArray(choices) || choices.length === 0) return "";
  const first = choices[0] as { message?: { content?: unknown }; text?: unknown };
  if (typeof first.text === "string") return first.text;
  return contentText(first.message?.content);
}

/** The text delta of one streamed event (chat or text completion chunk). */
export function deltaText(event: Record<string, unknown>): string {
  const choices = event.choices;
  if (!Array.isArray(choices) || choices.length === 0) return "";
  const first = choices[0] as { delta?: { content?: unknown }; text?: unknown };
  if (typeof first.text === "string") return first.text;
  return typeof first.delta?.content === "string" ? first.delta.content : "";
}

export interface FeatureInput {
  /** The request's id (a ULID, as in the request log); becomes the row id. */
  id: string;
  at: Date;
  model: string | null;
  status: number;
  prompt: string;
  promptTokens: number | null;
  /** Null when there was no answer text (an error, an embeddings call, a cached answer). */
  output: string | null;
  outputTokens: number | null;
  embedding?: number[] | undefined;
}

export function extractFeatures(input: FeatureInput): FeatureRow {
  return {
    id: input.id,
    at: input.at.toISOString(),
    model: input.model,
    status: input.status,
    prompt_chars: input.prompt.length,
    prompt_tokens: input.promptTokens,
    lang: languageClass(input.prompt),
    token_buckets: JSON.stringify(tokenBuckets(input.prompt)),
    output_chars: input.output === null ? null : input.output.length,
    output_tokens: input.outputTokens,
    refusal: input.output === null ? null : isRefusal(input.output) ? 1 : 0,
    embedding: input.embedding === undefined ? null : JSON.stringify(input.embedding),
  };
}
