// Server-sent events from an upstream, relayed chunk by chunk. Complete lines are forwarded as soon
// as they arrive; only an unterminated last line is held back until its newline comes (servers write
// whole events, so in practice nothing waits). That keeps the model rewrite from missing a key split
// across chunks, and means a client never holds half an event when an upstream dies mid-stream (a
// newline byte never occurs inside a UTF-8 sequence, so cutting there is safe).
// The final usage chunk (`stream_options.include_usage`) is found with a cheap byte search and only
// those lines are parsed.
import { type TokenUsage, usageOf } from "./usage.js";

const NEWLINE = 10;
// An upstream that never sends a newline is not speaking SSE; stop holding bytes for it.
const MAX_PENDING = 1 << 20;
const EMPTY = Buffer.alloc(0);

export class SseTransformer {
  usage: TokenUsage | null = null;
  private pending: Buffer | null = null;

  constructor(private readonly rewrite: ((text: string) => string) | null) {}

  /** Takes an upstream chunk, returns what to send to the client now (possibly empty). */
  push(chunk: Buffer): Buffer | string {
    const data = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    const end = data.lastIndexOf(NEWLINE) + 1; // bytes up to and including the last newline
    if (end === 0) {
      if (data.length > MAX_PENDING) {
        this.pending = null;
        return data;
      }
      this.pending = data;
      return EMPTY;
    }
    this.pending = end === data.length ? null : data.subarray(end);
    if (this.rewrite === null) {
      // Nothing to rewrite: forward the complete lines as they are (usually the whole chunk).
      if (data.indexOf('"usage"') !== -1) this.scan(data.toString("utf8", 0, end));
      return end === data.length ? data : data.subarray(0, end);
    }
    const text = data.toString("utf8", 0, end);
    if (text.includes('"usage"')) this.scan(text);
    return this.rewrite(text);
  }

  /** At the end of the upstream body: whatever is still held back (an unterminated last line). */
  end(): Buffer | string {
    const rest = this.pending;
    this.pending = null;
    if (rest === null) return EMPTY;
    const text = rest.toString("utf8");
    if (text.includes('"usage"')) this.scan(text);
    return this.rewrite === null ? rest : this.rewrite(text);
  }

  private scan(text: string): void {
    let at = text.indexOf('"usage"');
    while (at !== -1) {
      const start = text.lastIndexOf("\n", at) + 1;
      const newline = text.indexOf("\n", at);
      const stop = newline === -1 ? text.length : newline;
      const line = text.slice(start, stop).trim();
      if (line.startsWith("data:")) {
        try {
          const event: unknown = JSON.parse(line.slice(5));
          const usage = usageOf(
            typeof event === "object" && event !== null ? (event as { usage?: unknown }).usage : null,
          );
          if (usage !== null) this.usage = usage;
        } catch {
          // Not JSON (or a line split oddly): token counts are best effort, the bytes pass through anyway.
        }
      }
      at = newline === -1 ? -1 : text.indexOf('"usage"', stop);
    }
  }
}

/** An SSE event carrying an OpenAI error object; the openai SDKs raise it as an APIError mid-stream. */
export function sseErrorEvent(body: unknown): string {
  return `data: ${JSON.stringify(body)}\n\n`;
}
