import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

describe("is-json", () => {
  it("is-json accepts JSON and one ```json fence, rejects prose around it", async () => {
    expect((await grade({ type: "is-json" }, ' {"a": 1} ')).pass).toBe(true);
    expect((await grade({ type: "is-json" }, '```json\n{"a": 1}\n```')).pass).toBe(true);
    const prose = await grade({ type: "is-json" }, 'Here you go: {"a": 1}');
    expect(prose.pass).toBe(false);
    expect(prose.reason).toMatch(/not JSON/);
    expect((await grade({ type: "is-json" }, "")).reason).toMatch(/empty/);
  });
});
