import { describe, expect, it } from "vitest";
import { SseTransformer } from "./sse.js";
import { modelRewriter } from "./usage.js";

const event = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
const stream =
  event({ id: "1", model: "tiny-q8", choices: [{ delta: { content: "héllo 世界" } }] }) +
  event({ id: "1", model: "tiny-q8", choices: [{ delta: { content: '"model":"tiny-q8" in text' } }], usage: null }) +
  event({
    id: "1",
    model: "tiny-q8",
    choices: [],
    usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
  }) +
  "data: [DONE]\n\n";

/** Feeds `bytes` cut at every `step` bytes (cutting through keys and multi-byte characters). */
function run(transformer: SseTransformer, bytes: Buffer, step: number): string {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += step) {
    const piece = transformer.push(bytes.subarray(at, at + step));
    out.push(Buffer.isBuffer(piece) ? piece : Buffer.from(piece));
  }
  const rest = transformer.end();
  out.push(Buffer.isBuffer(rest) ? rest : Buffer.from(rest));
  return Buffer.concat(out).toString("utf8");
}

describe("SseTransformer", () => {
  const bytes = Buffer.from(stream);
  const expected = stream.replaceAll('"model":"tiny-q8"', '"model":"tiny"');

  it("rewrites the model field and reads the usage chunk however the bytes are split", () => {
    for (const step of [1, 2, 3, 7, 16, 64, bytes.length]) {
      const transformer = new SseTransformer(modelRewriter("tiny-q8", "tiny"));
      const text = run(transformer, bytes, step);
      // Model keys are rewritten; the same characters inside a string value are escaped and left alone.
      expect(text, `step ${step}`).toBe(
        expected.replace('\\"model\\":\\"tiny\\" in text', '\\"model\\":\\"tiny-q8\\" in text'),
      );
      expect(transformer.usage).toEqual({ promptTokens: 5, completionTokens: 2 });
    }
  });

  it("passes complete lines through untouched when no rewrite is needed", () => {
    for (const step of [1, 5, bytes.length]) {
      const transformer = new SseTransformer(null);
      expect(run(transformer, bytes, step)).toBe(stream);
      expect(transformer.usage).toEqual({ promptTokens: 5, completionTokens: 2 });
    }
    const transformer = new SseTransformer(null);
    const whole = Buffer.from('data: {"a":1}\n\n');
    expect(transformer.push(whole)).toBe(whole); // the same buffer, no copy
    expect(transformer.push(Buffer.from("data: {partial")).length).toBe(0); // held until its newline
    expect(transformer.end().toString()).toBe("data: {partial");
  });

  it("holds back only an unterminated line", () => {
    const transformer = new SseTransformer(modelRewriter("a", "b"));
    expect(transformer.push(Buffer.from('data: {"model":"a"}\n\ndata: {"mo')).toString()).toBe(
      'data: {"model":"b"}\n\n',
    );
    expect(transformer.push(Buffer.from('del":"a"}\n\n')).toString()).toBe('data: {"model":"b"}\n\n');
  });

  it("rewrites model names containing regexp and JSON special characters", () => {
    const rewrite = modelRewriter('org/m.v1+"q"$', "x$&y")!;
    expect(rewrite(`{"model": ${JSON.stringify('org/m.v1+"q"$')}}`)).toBe('{"model":"x$&y"}');
    expect(rewrite('{"model":"orgXm.v1"}')).toBe('{"model":"orgXm.v1"}');
    expect(modelRewriter("same", "same")).toBeNull();
  });
});
