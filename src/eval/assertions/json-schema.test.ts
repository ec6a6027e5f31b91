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

describe("json-schema", () => {
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
