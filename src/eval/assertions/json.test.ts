// is-json and json-schema (Ajv): fenced JSON, invalid JSON, schema violations with paths, bad schemas.
import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

const schema = {
  type: "object",
  required: ["name", "age"],
  properties: {
    name: { type: "string" },
    age: { type: "integer", minimum: 0 },
    email: { type: "string", format: "email" },
  },
};

describe("JSON assertions", () => {
  it("is-json accepts JSON and one ```json fence, rejects prose around it", async () => {
    expect((await grade({ type: "is-json" }, ' {"a": 1} ')).pass).toBe(true);
    expect((await grade({ type: "is-json" }, '```json\n{"a": 1}\n```')).pass).toBe(true);
    const prose = await grade({ type: "is-json" }, 'Here you go: {"a": 1}');
    expect(prose.pass).toBe(false);
    expect(prose.reason).toMatch(/not JSON/);
    expect((await grade({ type: "is-json" }, "")).reason).toMatch(/empty/);
  });

  it("json-schema validates with Ajv and reports where it fails", async () => {
    expect((await grade({ type: "json-schema", value: schema }, '{"name":"Li","age":30}')).pass).toBe(true);
    const bad = await grade({ type: "json-schema", value: schema }, '{"name":"Li","age":-1,"email":"nope"}');
    expect(bad.pass).toBe(false);
    expect(bad.reason).toContain("/age");
    expect(bad.reason).toContain("/email");
    expect((await grade({ type: "json-schema", value: schema }, "{oops")).reason).toMatch(/not JSON/);
  });

  it("refuses an invalid schema at load time", async () => {
    await expect(grade({ type: "json-schema", value: { type: "no-such-type" } }, "{}")).rejects.toThrow(
      /invalid JSON Schema/,
    );
    await expect(grade({ type: "json-schema", value: "not an object" }, "{}")).rejects.toThrow(/JSON Schema object/);
  });
});
