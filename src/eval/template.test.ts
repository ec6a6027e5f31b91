import { describe, expect, it } from "vitest";
import { renderDeep, renderTemplate } from "./template.js";

describe("templates", () => {
  it("fills {{vars}}, dotted paths and JSON for non-strings", () => {
    expect(
      renderTemplate("Hi {{ name }}, {{user.city}} {{n}} {{list}}", {
        name: "李白",
        user: { city: "長安" },
        n: 3,
        list: [1, 2],
      }),
    ).toBe("Hi 李白, 長安 3 [1,2]");
    expect(renderDeep({ a: ["{{x}}", 1], b: { c: "{{x}}!" } }, { x: "y" })).toEqual({ a: ["y", 1], b: { c: "y!" } });
  });

  it("refuses unknown variables instead of rendering an empty string", () => {
    expect(() => renderTemplate("{{missing}}", {})).toThrow(/no variable 'missing'/);
  });
});
