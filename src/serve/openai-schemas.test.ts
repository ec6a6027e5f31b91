import { describe, expect, it } from "vitest";
import { LlmopsError } from "../errors.js";
import { chatParams, completionParams, embeddingBase64, embeddingInputs } from "./openai-format.js";
import {
  chatCompletionRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
  messageText,
  parseBody,
} from "./openai-schemas.js";

function rejection(fn: () => unknown): { message: string; param: string | undefined; status: number } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(LlmopsError);
    const e = error as LlmopsError;
    expect(e.code).toBe("invalid_request");
    return { message: e.message, param: e.param, status: e.status };
  }
  throw new Error("expected a rejection");
}

const chat = (extra: Record<string, unknown>) =>
  parseBody(chatCompletionRequestSchema, { model: "m", messages: [{ role: "user", content: "hi" }], ...extra });

describe("chat completion bodies", () => {
  it("accepts OpenAI's shapes and ignores unknown fields", () => {
    const body = parseBody(chatCompletionRequestSchema, {
      model: "m",
      messages: [
        { role: "developer", content: "be brief" },
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
        },
        { role: "assistant", content: null, tool_calls: [] },
      ],
      temperature: null,
      stop: "x",
      metadata: { anything: 1 },
      parallel_tool_calls: false,
    });
    expect(messageText(body.messages[1]?.content)).toBe("ab");
    expect("metadata" in body).toBe(false);
    const { messages, params } = chatParams(body);
    expect(messages.map((m) => m.role)).toEqual(["developer", "user", "assistant"]);
    expect(params).toMatchObject({ temperature: 1, topP: 1, stop: ["x"] });
    expect(params.logprobs).toBeUndefined();
  });

  it("maps logprobs, max_completion_tokens and logit_bias", () => {
    const { params } = chatParams(
      chat({ logprobs: true, top_logprobs: 3, max_completion_tokens: 7, max_tokens: 9, logit_bias: { "12": -100 } }),
    );
    expect(params).toMatchObject({ logprobs: 3, maxTokens: 7, logitBias: { 12: -100 } });
  });

  it.each([
    [{ n: 2 }, "n", "only 1 is supported"],
    [{ temperature: 3 }, "temperature", "between 0 and 2"],
    [{ temperature: "hot" }, "temperature", "must be a number"],
    [{ top_p: -0.1 }, "top_p", "between 0 and 1"],
    [{ stop: ["a", "b", "c", "d", "e"] }, "stop", "up to 4"],
    [{ top_logprobs: 2 }, "top_logprobs", "requires logprobs"],
    [{ logprobs: true, top_logprobs: 21 }, "top_logprobs", "between 0 and 20"],
    [{ seed: 1.5 }, "seed", "integer"],
    [{ max_tokens: 0 }, "max_tokens", "at least 1"],
    [{ tools: [{ type: "function" }] }, "tools", "not supported"],
    [{ response_format: { type: "json_object" } }, "response_format.type", "not supported"],
    [{ messages: [] }, "messages", "at least one"],
    [{ messages: [{ role: "robot", content: "x" }] }, "messages[0].role", "one of system"],
    [{ messages: [{ role: "user" }] }, "messages[0].content", "required"],
    [
      { messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }] },
      "messages[0].content[0]",
      "text only",
    ],
    [{ model: "" }, "model", "empty"],
    [{ model: undefined }, "model", "required"],
  ])("rejects %j naming %s", (extra, param, text) => {
    const r = rejection(() => chat(extra));
    expect(r.param).toBe(param);
    expect(r.message.startsWith(`${param}: `)).toBe(true);
    expect(r.message).toContain(text);
    expect(r.status).toBe(400);
  });

  it("rejects bodies that are not objects", () => {
    expect(rejection(() => parseBody(chatCompletionRequestSchema, [1])).message).toContain("JSON object");
    expect(rejection(() => parseBody(chatCompletionRequestSchema, "x")).message).toContain("JSON object");
  });
});

describe("completion bodies", () => {
  const completion = (extra: Record<string, unknown>) =>
    parseBody(completionRequestSchema, { model: "m", prompt: "p", ...extra });

  it("defaults max_tokens to 16 and accepts one prompt in any shape", () => {
    expect(completionParams(completion({})).params.maxTokens).toBe(16);
    expect(completionParams(completion({ prompt: ["only"] })).prompt).toBe("only");
    expect(completionParams(completion({ prompt: [1, 2, 3] })).prompt).toEqual([1, 2, 3]);
    expect(completionParams(completion({ prompt: [[4, 5]] })).prompt).toEqual([4, 5]);
    expect(completionParams(completion({ logprobs: 0 })).params.logprobs).toBe(0);
  });

  it.each([
    [{ prompt: ["a", "b"] }, "prompt", "only one prompt"],
    [{ prompt: [] }, "prompt", "empty"],
    [{ prompt: 5 }, "prompt", "must be a string"],
    [{ prompt: [1, -2] }, "prompt[1]", "token id"],
    [{ logprobs: 21 }, "logprobs", "between 0 and 20"],
    [{ best_of: 3 }, "best_of", "only 1"],
    [{ suffix: "x" }, "suffix", "not supported"],
    [{ max_tokens: 0 }, "max_tokens", "only useful with echo"],
  ])("rejects %j naming %s", (extra, param, text) => {
    const r = rejection(() => completion(extra));
    expect(r.param).toBe(param);
    expect(r.message).toContain(text);
  });
});

describe("embedding bodies", () => {
  it("normalises every input shape", () => {
    const parse = (input: unknown) => embeddingInputs(parseBody(embeddingRequestSchema, { model: "m", input }));
    expect(parse("a")).toEqual(["a"]);
    expect(parse(["a", "b"])).toEqual(["a", "b"]);
    expect(parse([1, 2])).toEqual([[1, 2]]);
    expect(parse([[1], [2, 3]])).toEqual([[1], [2, 3]]);
    const r = rejection(() => parseBody(embeddingRequestSchema, { model: "m", input: "a", encoding_format: "hex" }));
    expect(r.param).toBe("encoding_format");
    expect(rejection(() => parseBody(embeddingRequestSchema, { model: "m", input: [] })).param).toBe("input");
  });

  it("encodes base64 as little-endian float32, as OpenAI's SDK decodes it", () => {
    const v = Float32Array.of(1, -2.5, 0.125);
    const bytes = Buffer.from(embeddingBase64(v), "base64");
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 3))).toEqual([1, -2.5, 0.125]);
  });
});
