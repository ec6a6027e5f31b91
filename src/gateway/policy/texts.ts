// Where the text of a request or an answer lives in OpenAI's shapes, as slots that guardrails can read
// and (for masking) rewrite in place, plus the token estimates the limits stage reserves against.
import type { InferenceRoute } from "../body.js";

export interface TextSlot {
  readonly text: string;
  /** The chat role of the message it belongs to, when it belongs to one. */
  readonly role?: string;
  set(value: string): void;
}

// A class rather than an object literal with `get text()`: V8 allocates the accessor pair of every
// such literal in the old generation, where it held each request's body alive through young-generation
// collections (longer scavenges, and extra full GCs to clear them). The prototype's getter is shared
// by all slots.
class FieldSlot implements TextSlot {
  constructor(
    private readonly holder: Record<string | number, unknown>,
    private readonly key: string | number,
    readonly role: string | undefined,
  ) {}

  // Read live: after one guardrail masks a text, the next one sees the masked text.
  get text(): string {
    return this.holder[this.key] as string;
  }

  set(next: string): void {
    this.holder[this.key] = next;
  }
}

function slot(holder: Record<string, unknown> | unknown[], key: string | number, role?: string): TextSlot | undefined {
  const fields = holder as Record<string | number, unknown>;
  return typeof fields[key] === "string" ? new FieldSlot(fields, key, role) : undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Message contents: a string, or an array of parts whose `text` parts count. */
function contentSlots(message: Record<string, unknown>, out: TextSlot[]): void {
  const content = message.content;
  const role = typeof message.role === "string" ? message.role : undefined;
  if (typeof content === "string") {
    out.push(slot(message, "content", role)!);
  } else if (Array.isArray(content)) {
    for (const part of content) {
      if (isObject(part) && part.type === "text") {
        const text = slot(part, "text", role);
        if (text !== undefined) out.push(text);
      }
    }
  }
}

/** The user-controlled text of a request body: messages, prompt or input (strings only, not token ids). */
export function requestTexts(route: InferenceRoute, json: Record<string, unknown>): TextSlot[] {
  const out: TextSlot[] = [];
  if (route === "/v1/chat/completions") {
    const messages = json.messages;
    if (Array.isArray(messages)) for (const message of messages) if (isObject(message)) contentSlots(message, out);
    return out;
  }
  const field = route === "/v1/completions" ? "prompt" : "input";
  const value = json[field];
  if (typeof value === "string") out.push(slot(json, field)!);
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const text = slot(value, i);
      if (text !== undefined) out.push(text);
    }
  }
  return out;
}

/** The generated text of a JSON answer: `choices[].message.content` or `choices[].text`. */
export function answerTexts(json: Record<string, unknown>): TextSlot[] {
  const out: TextSlot[] = [];
  const choices = json.choices;
  if (!Array.isArray(choices)) return out;
  for (const choice of choices) {
    if (!isObject(choice)) continue;
    if (isObject(choice.message)) contentSlots(choice.message, out);
    else {
      const text = slot(choice, "text");
      if (text !== undefined) out.push(text);
    }
  }
  return out;
}

/** The generated text in one streamed event: `choices[].delta.content` or `choices[].text`. */
export function eventTexts(event: Record<string, unknown>): string[] {
  const out: string[] = [];
  const choices = event.choices;
  if (!Array.isArray(choices)) return out;
  for (const choice of choices) {
    if (!isObject(choice)) continue;
    const delta = choice.delta;
    if (isObject(delta) && typeof delta.content === "string") out.push(delta.content);
    else if (typeof choice.text === "string") out.push(choice.text);
  }
  return out;
}

/** Token count estimate for size limits: about 3 bytes of UTF-8 per token. */
export function roughTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, "utf8") / 3);
}

const PER_MESSAGE_OVERHEAD = 8; // role markers and separators of a chat template
const PER_REQUEST_OVERHEAD = 16;

/**
 * An upper bound of the prompt's tokens, reserved by the limits stage before the upstream is called:
 * byte-level tokenizers (BPE, SentencePiece with byte fallback) never make more tokens than UTF-8
 * bytes, plus a template allowance. Token-id prompts count one per id. The real count replaces it.
 */
export function promptTokenBound(route: InferenceRoute, json: Record<string, unknown>): number {
  let bytes = 0;
  for (const text of requestTexts(route, json)) bytes += Buffer.byteLength(text.text, "utf8");
  const field = route === "/v1/chat/completions" ? "messages" : route === "/v1/completions" ? "prompt" : "input";
  const value = json[field];
  let pieces = 1;
  if (Array.isArray(value)) {
    pieces = value.length;
    for (const item of value) {
      if (typeof item === "number") bytes += 1;
      else if (Array.isArray(item)) bytes += item.length;
    }
  }
  return bytes + PER_MESSAGE_OVERHEAD * pieces + PER_REQUEST_OVERHEAD;
}

/**
 * Completion tokens the request may generate: `max_completion_tokens` or `max_tokens`, times `n`;
 * `fallback` per choice when neither is set; 0 for embeddings.
 */
export function completionTokenBound(route: InferenceRoute, json: Record<string, unknown>, fallback: number): number {
  if (route === "/v1/embeddings") return 0;
  const limit = json.max_completion_tokens ?? json.max_tokens;
  const perChoice = typeof limit === "number" && Number.isFinite(limit) && limit >= 0 ? Math.ceil(limit) : fallback;
  const n = typeof json.n === "number" && Number.isInteger(json.n) && json.n > 1 ? json.n : 1;
  return perChoice * n;
}
