// Opt-in prompt/response capture (`capture:`, docs/dashboard.md "Prompts and responses"). The gateway's
// capture stage hands one CaptureInput per sampled request; the text is read, redacted and truncated
// here, in the batched writer, so the request path only keeps references. Redaction happens before
// truncation, so a value cut at the limit cannot leak half-unmasked. Rows older than retention_days
// are deleted by the writer (at most once a minute).
import type { CaptureConfig, CaptureRedaction } from "../config/capture.js";
import { redactPii } from "../data/pii/redact.js";
import type { MetadataStore } from "../store/metadata/types.js";
import type { BatchFactory, DriftLog } from "./drift/service.js";

/** What the gateway hands over: text getters are evaluated in the writer, off the request path. */
export interface CaptureInput {
  id: string;
  at: Date;
  readonly prompt: string;
  /** The answer's text, or null when there was none (an error, an embedding). */
  readonly response: string | null;
}

export interface RequestBody {
  prompt: string | null;
  response: string | null;
  redaction: string;
}

/** Applies the policy, then keeps at most maxChars characters (a "…" marks a cut). */
export function redactForCapture(text: string, redaction: CaptureRedaction, maxChars: number): string {
  const handled = redaction === "pii-mask" ? redactPii(text, "mask").text : text;
  if (handled.length <= maxChars) return handled;
  // Don't split a surrogate pair at the cut.
  let end = maxChars;
  const code = handled.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${handled.slice(0, end)}…`;
}

export interface CaptureWriter {
  record(input: CaptureInput): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

const PRUNE_EVERY_MS = 60_000;

/** A batch of captured requests, plain (it may cross to the gateway's writer thread). */
export interface CaptureBatch {
  inputs: Array<{ id: string; at: Date; prompt: string; response: string | null }>;
  config: Pick<CaptureConfig, "redact" | "max_chars" | "retention_days">;
  /** Also delete rows older than retention_days. */
  prune: boolean;
}

/** Redacts, truncates and stores a batch; prunes expired rows when asked. */
export async function storeCaptures(store: MetadataStore, batch: CaptureBatch): Promise<void> {
  const { config } = batch;
  const rows = batch.inputs.map((input) => ({
    request_id: input.id,
    at: input.at.toISOString(),
    prompt: redactForCapture(input.prompt, config.redact, config.max_chars),
    response: input.response === null ? null : redactForCapture(input.response, config.redact, config.max_chars),
    redaction: config.redact,
  }));
  // A retried id (never expected: ids are ULIDs) must not fail the whole batch.
  if (rows.length > 0) {
    await store.db
      .insertInto("request_bodies")
      .values(rows)
      .onConflict((c) => c.column("request_id").doNothing())
      .execute();
  }
  if (batch.prune) {
    const cutoff = new Date(Date.now() - config.retention_days * 86_400_000).toISOString();
    await store.db.deleteFrom("request_bodies").where("at", "<", cutoff).execute();
  }
}

export function startCapture(options: {
  store: MetadataStore;
  config: CaptureConfig;
  batch: BatchFactory;
  log: DriftLog;
  flushMs?: number;
  /** Stores a batch (default: storeCaptures on `store`, in this thread); the gateway uses its writer thread. */
  storeCaptures?: (batch: CaptureBatch) => Promise<void>;
}): CaptureWriter {
  const { store, config } = options;
  const write = options.storeCaptures ?? ((batch: CaptureBatch) => storeCaptures(store, batch));
  let prunedAt = 0;
  const recorder = options.batch<CaptureInput>(
    async (inputs) => {
      const now = Date.now();
      const prune = now - prunedAt >= PRUNE_EVERY_MS;
      if (prune) prunedAt = now;
      await write({
        // Reading prompt/response runs the stage's lazy getters here, in the batch, not per request.
        inputs: inputs.map((input) => ({ id: input.id, at: input.at, prompt: input.prompt, response: input.response })),
        config: { redact: config.redact, max_chars: config.max_chars, retention_days: config.retention_days },
        prune,
      });
    },
    {
      flushMs: options.flushMs ?? 1000,
      onError: (error, dropped) =>
        options.log.error({ err: error, dropped }, "could not write captured request bodies"),
    },
  );
  return {
    record: (input) => recorder.record(input),
    flush: () => recorder.flush(),
    close: () => recorder.close(),
  };
}

/** The captured body of one request, or null when none was stored (capture off, not sampled, expired). */
export async function readRequestBody(store: MetadataStore, requestId: string): Promise<RequestBody | null> {
  const row = await store.db
    .selectFrom("request_bodies")
    .select(["prompt", "response", "redaction"])
    .where("request_id", "=", requestId)
    .executeTakeFirst();
  return row ?? null;
}
