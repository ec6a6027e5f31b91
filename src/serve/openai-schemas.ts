// Zod schemas for the OpenAI-compatible /v1 request bodies, shared by the worker and the gateway.
//
// They follow OpenAI's API: unknown fields are ignored (dropped), `null` means "not set", and every
// rejection names the field and says what is allowed. Features this platform does not implement are
// refused with a clear 400 rather than silently ignored (n > 1, tools, JSON response formats,
// suffix, multiple prompts), because a client relying on them would otherwise get wrong results.
import { z } from "zod";
import { LlmopsError } from "../errors.js";

const nullish = <T extends z.ZodType>(schema: T) => schema.nullish();

const int = (what: string) => z.number({ error: `must be ${what}` }).int(`must be ${what}`);

const model = z.string({ error: "must be a string naming the model" }).min(1, "must not be empty");

/** Fields shared by chat completions and completions. */
const samplingFields = {
  model,
  temperature: nullish(
    z.number({ error: "must be a number" }).min(0, "must be between 0 and 2").max(2, "must be between 0 and 2"),
  ),
  top_p: nullish(
    z.number({ error: "must be a number" }).min(0, "must be between 0 and 1").max(1, "must be between 0 and 1"),
  ),
  /** Extension (vLLM, llama.cpp server): -1 or 0 switches it off. */
  top_k: nullish(int("an integer, -1 or 0 for off").min(-1, "must be -1, 0 (off) or a positive integer")),
  n: nullish(
    int("an integer").refine((n) => n === 1, "only 1 is supported; send several requests for several completions"),
  ),
  stop: nullish(
    z.union(
      [
        z.string(),
        z.array(z.string({ error: "must contain only strings" })).max(4, "may contain at most 4 stop sequences"),
      ],
      { error: "must be a string or an array of up to 4 strings" },
    ),
  ),
  seed: nullish(int("an integer")),
  stream: nullish(z.boolean({ error: "must be true or false" })),
  stream_options: nullish(
    z.object(
      { include_usage: nullish(z.boolean({ error: "must be true or false" })) },
      { error: 'must be an object such as {"include_usage": true}' },
    ),
  ),
  presence_penalty: nullish(
    z.number({ error: "must be a number" }).min(-2, "must be between -2 and 2").max(2, "must be between -2 and 2"),
  ),
  frequency_penalty: nullish(
    z.number({ error: "must be a number" }).min(-2, "must be between -2 and 2").max(2, "must be between -2 and 2"),
  ),
  logit_bias: nullish(
    z.record(
      z.string().regex(/^\d+$/, "keys must be token ids"),
      z
        .number({ error: "values must be numbers" })
        .min(-100, "values must be between -100 and 100")
        .max(100, "values must be between -100 and 100"),
      { error: "must be an object mapping token ids to biases" },
    ),
  ),
  user: nullish(z.string({ error: "must be a string" })),
};

const textPart = z.object({ type: z.literal("text"), text: z.string({ error: "must be a string" }) });

const contentPart = z.unknown().superRefine((part, ctx) => {
  const parsed = textPart.safeParse(part);
  if (parsed.success) return;
  const type = part !== null && typeof part === "object" ? (part as { type?: unknown }).type : undefined;
  ctx.addIssue({
    code: "custom",
    message:
      typeof type === "string" && type !== "text"
        ? `parts of type "${type}" are not supported; this model takes text only`
        : 'must be a text part: {"type": "text", "text": "..."}',
  });
});

export const chatMessageSchema = z.object(
  {
    role: z.enum(["system", "developer", "user", "assistant", "tool"], {
      error: "must be one of system, developer, user, assistant, tool",
    }),
    content: z
      .union([z.string(), z.array(contentPart), z.null()], {
        error: 'must be a string or an array of text parts ({"type": "text", "text": "..."})',
      })
      .optional(),
    name: nullish(z.string({ error: "must be a string" })),
    tool_call_id: nullish(z.string({ error: "must be a string" })),
    tool_calls: z.unknown().optional(),
  },
  { error: "must be an object with a role and content" },
);

export const chatCompletionRequestSchema = z
  .object({
    ...samplingFields,
    messages: z
      .array(chatMessageSchema, { error: "must be an array of messages" })
      .min(1, "must contain at least one message"),
    max_tokens: nullish(int("a positive integer").min(1, "must be at least 1")),
    max_completion_tokens: nullish(int("a positive integer").min(1, "must be at least 1")),
    logprobs: nullish(z.boolean({ error: "must be true or false" })),
    top_logprobs: nullish(
      int("an integer between 0 and 20").min(0, "must be between 0 and 20").max(20, "must be between 0 and 20"),
    ),
    tools: z.unknown().optional(),
    functions: z.unknown().optional(),
    tool_choice: z.unknown().optional(),
    response_format: nullish(
      z.object(
        { type: z.string({ error: "must be a string" }) },
        { error: 'must be an object such as {"type": "text"}' },
      ),
    ),
  })
  .superRefine((body, ctx) => {
    if (body.top_logprobs != null && body.logprobs !== true) {
      ctx.addIssue({ code: "custom", path: ["top_logprobs"], message: "requires logprobs to be true" });
    }
    for (const key of ["tools", "functions"] as const) {
      const v = body[key];
      if (v != null && !(Array.isArray(v) && v.length === 0)) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: "tool and function calling are not supported by this model server",
        });
      }
    }
    if (body.tool_choice != null && body.tool_choice !== "none" && body.tool_choice !== "auto") {
      ctx.addIssue({
        code: "custom",
        path: ["tool_choice"],
        message: "tool calling is not supported by this model server",
      });
    }
    if (body.response_format != null && body.response_format.type !== "text") {
      ctx.addIssue({
        code: "custom",
        path: ["response_format", "type"],
        message: `"${body.response_format.type}" is not supported; only "text"`,
      });
    }
    body.messages.forEach((m, i) => {
      if (m.content == null && m.role !== "assistant") {
        ctx.addIssue({ code: "custom", path: ["messages", i, "content"], message: "is required for this role" });
      }
    });
  });

const tokenIds = z.array(int("a token id (integer ≥ 0)").min(0, "must be a token id (integer ≥ 0)"));

export const completionRequestSchema = z
  .object({
    ...samplingFields,
    prompt: z.union([z.string(), z.array(z.string()), tokenIds, z.array(tokenIds)], {
      error:
        "must be a string, an array with one string, an array of token ids or an array with one array of token ids",
    }),
    /** OpenAI's default for completions is 16. */
    max_tokens: nullish(int("an integer ≥ 0").min(0, "must be at least 0")),
    logprobs: nullish(
      int("an integer between 0 and 20").min(0, "must be between 0 and 20").max(20, "must be between 0 and 20"),
    ),
    echo: nullish(z.boolean({ error: "must be true or false" })),
    best_of: nullish(int("an integer").refine((n) => n === 1, "only 1 is supported")),
    suffix: nullish(z.string({ error: "must be a string" })),
  })
  .superRefine((body, ctx) => {
    const p = body.prompt;
    if (Array.isArray(p)) {
      if (p.length === 0) ctx.addIssue({ code: "custom", path: ["prompt"], message: "must not be an empty array" });
      else if (p.length > 1 && typeof p[0] !== "number") {
        ctx.addIssue({
          code: "custom",
          path: ["prompt"],
          message: `has ${p.length} prompts; only one prompt per request is supported, send one request each`,
        });
      }
    }
    if (body.suffix)
      ctx.addIssue({ code: "custom", path: ["suffix"], message: "is not supported (no fill-in-the-middle)" });
    if (body.max_tokens === 0 && !body.echo) {
      ctx.addIssue({
        code: "custom",
        path: ["max_tokens"],
        message: "must be at least 1 (0 is only useful with echo)",
      });
    }
  });

export const embeddingRequestSchema = z
  .object({
    model,
    input: z.union([z.string(), z.array(z.string()), tokenIds, z.array(tokenIds)], {
      error: "must be a string, an array of strings, an array of token ids or an array of such arrays",
    }),
    encoding_format: nullish(z.enum(["float", "base64"], { error: 'must be "float" or "base64"' })),
    dimensions: nullish(int("a positive integer").min(1, "must be at least 1")),
    user: nullish(z.string({ error: "must be a string" })),
  })
  .superRefine((body, ctx) => {
    const input = body.input;
    if (Array.isArray(input)) {
      if (input.length === 0) ctx.addIssue({ code: "custom", path: ["input"], message: "must not be an empty array" });
      if (input.length > 2048)
        ctx.addIssue({ code: "custom", path: ["input"], message: "may contain at most 2048 inputs" });
    }
  });

export type ChatMessageBody = z.infer<typeof chatMessageSchema>;
export type ChatCompletionRequestBody = z.infer<typeof chatCompletionRequestSchema>;
export type CompletionRequestBody = z.infer<typeof completionRequestSchema>;
export type EmbeddingRequestBody = z.infer<typeof embeddingRequestSchema>;

/** ["messages", 0, "content"] → "messages[0].content". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Validates a parsed JSON body. Throws LlmopsError("invalid_request", "<field>: <problem>", {param})
 * for the first problem found, so the client sees one precise message in OpenAI's error shape.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new LlmopsError("invalid_request", "The request body must be a JSON object.");
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new LlmopsError("invalid_request", "The request body is invalid.");
  const param = formatPath(issue.path);
  const missing =
    issue.path.length > 0 &&
    (issue.code === "invalid_type" || issue.code === "invalid_union") &&
    readAt(body, issue.path) === undefined;
  const problem = missing ? "is required" : issue.message;
  return fail(param === "" ? problem : `${param}: ${problem}`, param);
}

function fail(message: string, param: string): never {
  throw new LlmopsError("invalid_request", message, param === "" ? {} : { param });
}

function readAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = value;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** Message content as plain text: text parts are joined with nothing in between (as OpenAI does). */
export function messageText(content: ChatMessageBody["content"]): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content.map((part) => (part as { text: string }).text).join("");
}

/** `stop` as a list without empty strings. */
export function stopList(stop: string | string[] | null | undefined): string[] {
  if (stop == null) return [];
  return (typeof stop === "string" ? [stop] : stop).filter((s) => s.length > 0);
}
