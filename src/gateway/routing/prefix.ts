// The affinity key of a request: the first N characters of its prompt as the model will see it
// (chat: role and text of each message in order; completions: the prompt; embeddings: the input).
// Requests that share a system prompt or a conversation's history share this prefix, and a worker
// that served one of them holds its KV cache — prefix-affinity routing sends them to that worker.

/** Renders at most `maxChars` characters of the prompt of an OpenAI request body. */
export function promptPrefix(json: Record<string, unknown>, maxChars: number): string {
  const messages = json.messages;
  if (Array.isArray(messages)) {
    let out = "";
    for (const message of messages) {
      if (out.length >= maxChars) break;
      if (typeof message !== "object" || message === null) continue;
      const { role, content } = message as { role?: unknown; content?: unknown };
      out += `${typeof role === "string" ? role : ""}\n`;
      out += contentText(content, maxChars - out.length);
      out += "\n";
    }
    return out.length > maxChars ? out.slice(0, maxChars) : out;
  }
  const prompt = json.prompt ?? json.input;
  return inputText(prompt, maxChars);
}

function contentText(content: unknown, room: number): string {
  if (room <= 0) return "";
  if (typeof content === "string") return content.length > room ? content.slice(0, room) : content;
  if (!Array.isArray(content)) return "";
  let out = "";
  for (const part of content) {
    if (out.length >= room) break;
    if (typeof part === "object" && part !== null && typeof (part as { text?: unknown }).text === "string") {
      out += (part as { text: string }).text;
    }
  }
  return out.length > room ? out.slice(0, room) : out;
}

function inputText(value: unknown, maxChars: number): string {
  if (typeof value === "string") return value.length > maxChars ? value.slice(0, maxChars) : value;
  if (!Array.isArray(value) || value.length === 0) return "";
  const first = value[0];
  // An array of token ids is one prompt; an array of strings or of id arrays is a batch: key on the first.
  if (typeof first === "number") return inputText(value.slice(0, maxChars).join(","), maxChars);
  return inputText(first, maxChars);
}

/** 32-bit FNV-1a over UTF-16 code units: fast, well spread, no allocation. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // Final avalanche (murmur3 fmix32): FNV alone clusters keys that differ only at the end.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  hash ^= hash >>> 16;
  return hash >>> 0;
}
