import { describe, expect, it } from "vitest";
import type { CaptureInput } from "../../monitor/bodies.js";
import type { FeatureInput } from "../../monitor/drift/features.js";
import { CaptureStage } from "./capture-stage.js";
import { MonitorStage } from "./monitor-stage.js";
import { answerTexts, promptTokenBound, requestTexts } from "./texts.js";
import type { PolicyRequest } from "./types.js";

// Objects made once per request must not carry their own accessors: V8 allocates an object literal's
// `get x()` accessor pair in the old generation, and from there it kept each request's body alive
// through young-generation collections (longer scavenges, extra full GCs). Getters belong on a
// prototype.
const ownAccessors = (value: object) =>
  Object.entries(Object.getOwnPropertyDescriptors(value))
    .filter(([, descriptor]) => descriptor.get !== undefined || descriptor.set !== undefined)
    .map(([name]) => name);

function policyRequest(json: Record<string, unknown>, answer?: Record<string, unknown>): PolicyRequest {
  const state = new Map<string, unknown>();
  if (answer !== undefined) {
    state.set("monitor", answer);
    state.set("capture", answer);
  }
  return {
    id: "01JREQUEST",
    route: "/v1/chat/completions",
    principal: { keyId: "k1", name: "test", role: "service" },
    body: { json, model: "tiny", stream: false },
    resolved: { requested: "tiny", resolved: "tiny@1", upstreams: [] },
    context: { resolved: "tiny@1", model: "tiny", promptTokens: 7, completionTokens: 3 },
    headers: {},
    setHeader: () => {},
    state,
  } as unknown as PolicyRequest;
}

describe("request and answer text slots", () => {
  it("read the chat texts with their roles, live, and write masks back into the body", () => {
    const json = {
      messages: [
        { role: "system", content: "be brief" },
        {
          role: "user",
          content: [{ type: "text", text: "hello" }, { type: "image_url" }, { type: "text", text: "x" }],
        },
      ],
    };
    const slots = requestTexts("/v1/chat/completions", json);
    expect(slots.map((s) => [s.role, s.text])).toEqual([
      ["system", "be brief"],
      ["user", "hello"],
      ["user", "x"],
    ]);
    slots[1]!.set("[MASKED]");
    expect(json.messages[1]!.content).toEqual([
      { type: "text", text: "[MASKED]" },
      { type: "image_url" },
      { type: "text", text: "x" },
    ]);
    expect(slots[1]!.text).toBe("[MASKED]");
    for (const slot of slots) expect(ownAccessors(slot)).toEqual([]);
  });

  it("read prompts, inputs and answers, skipping token ids and non-strings", () => {
    expect(requestTexts("/v1/completions", { prompt: ["a", [1, 2], "b"] }).map((s) => s.text)).toEqual(["a", "b"]);
    expect(requestTexts("/v1/embeddings", { input: "e" }).map((s) => [s.text, s.role])).toEqual([["e", undefined]]);
    expect(requestTexts("/v1/completions", { prompt: 5 })).toEqual([]);
    const answer = { choices: [{ message: { role: "assistant", content: "hi" } }, { text: "t" }, null] };
    expect(answerTexts(answer).map((s) => s.text)).toEqual(["hi", "t"]);
  });

  it("bound the prompt's tokens by its UTF-8 bytes plus a template allowance", () => {
    // 5 + 3 bytes ("日" is 3), 2 messages × 8, 16 per request.
    const bound = promptTokenBound("/v1/chat/completions", {
      messages: [
        { role: "user", content: "hello" },
        { role: "user", content: "日" },
      ],
    });
    expect(bound).toBe(5 + 3 + 2 * 8 + 16);
    expect(promptTokenBound("/v1/completions", { prompt: [[1, 2, 3]] })).toBe(3 + 8 + 16);
  });
});

describe("what the monitor and capture stages hand over", () => {
  const json = { messages: [{ role: "user", content: "how are you" }] };
  const answer = { choices: [{ message: { role: "assistant", content: "fine" } }] };

  it("the monitor's input reads the prompt and answer lazily, from prototype getters", () => {
    const inputs: FeatureInput[] = [];
    new MonitorStage((input) => inputs.push(input)).settle(policyRequest(json, answer), { status: 200, cached: false });
    const [input] = inputs;
    expect(input).toMatchObject({ id: "01JREQUEST", model: "tiny@1", status: 200, promptTokens: 7, outputTokens: 3 });
    expect(input!.at).toBeInstanceOf(Date);
    expect(input!.prompt).toBe("how are you");
    expect(input!.output).toBe("fine");
    expect(ownAccessors(input!)).toEqual([]);
  });

  it("the monitor sees no answer for an error status", () => {
    const inputs: FeatureInput[] = [];
    new MonitorStage((input) => inputs.push(input)).settle(policyRequest(json, answer), { status: 500, cached: false });
    expect(inputs[0]!.output).toBeNull();
  });

  it("capture's input reads the prompt and answer lazily, from prototype getters", () => {
    const inputs: CaptureInput[] = [];
    new CaptureStage({ sink: (input) => inputs.push(input), sampleRate: 1 }).settle(policyRequest(json, answer), {
      status: 200,
      cached: false,
    });
    expect(inputs[0]!.prompt).toBe("how are you");
    expect(inputs[0]!.response).toBe("fine");
    expect(ownAccessors(inputs[0]!)).toEqual([]);
  });
});
