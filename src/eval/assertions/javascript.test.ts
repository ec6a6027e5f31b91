// Custom JavaScript checks: inline expressions and bodies, module files in a worker, time limits,
// throwing code and wrong return types — all become failing results, never crashes.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

const dir = mkdtempSync(path.join(tmpdir(), "llmops-js-"));
writeFileSync(
  path.join(dir, "checks.mjs"),
  `export default (output) => output.startsWith("ok");
export async function score(output, context) { return { pass: context.vars.want === output, score: 0.7, reason: "compared" }; }
export function spin() { for (;;) {} }
export function boom() { throw new Error("kaput"); }
`,
);

describe("javascript assertion", () => {
  it("runs inline expressions and function bodies", async () => {
    expect((await grade({ type: "javascript", value: "output.length < 5" }, "abc")).pass).toBe(true);
    expect((await grade({ type: "javascript", value: "output.length < 5" }, "abcdef")).pass).toBe(false);
    const body = "const n = Number(output); return { pass: n > 10, score: Math.min(1, n / 100), reason: 'n=' + n };";
    expect(await grade({ type: "javascript", value: body }, "42")).toEqual({ pass: true, score: 0.42, reason: "n=42" });
    expect((await grade({ type: "javascript", value: "0.3", threshold: 0.5 }, "x")).pass).toBe(false);
    expect(
      (await grade({ type: "javascript", value: "context.vars.lang === 'zh'" }, "x", { vars: { lang: "zh" } })).pass,
    ).toBe(true);
  });

  it("turns throws, timeouts and wrong return types into failing results", async () => {
    expect((await grade({ type: "javascript", value: "null.x" }, "x")).reason).toMatch(/custom check failed/);
    const slow = await grade({ type: "javascript", value: "while (true) {}", timeoutMs: 100 }, "x");
    expect(slow).toMatchObject({ pass: false });
    expect(slow.reason).toMatch(/timed out|Script execution timed out/);
    expect((await grade({ type: "javascript", value: "'yes'" }, "x")).reason).toMatch(/must return a boolean/);
    // The sandbox has no require/process.
    expect((await grade({ type: "javascript", value: "typeof process === 'undefined'" }, "x")).pass).toBe(true);
    await expect(grade({ type: "javascript", value: "return (" }, "x")).rejects.toThrow(/does not compile/);
  });

  it("runs module files in a worker thread with a time limit", async () => {
    const base = { type: "javascript", file: "checks.mjs", baseDir: dir };
    expect((await grade(base, "ok then")).pass).toBe(true);
    expect((await grade(base, "nope")).pass).toBe(false);
    expect(await grade({ ...base, export: "score" }, "hi", { vars: { want: "hi" } })).toEqual({
      pass: true,
      score: 0.7,
      reason: "compared",
    });
    const spin = await grade({ ...base, export: "spin", timeoutMs: 300 }, "x");
    expect(spin.reason).toMatch(/timed out after 300 ms/);
    expect((await grade({ ...base, export: "boom" }, "x")).reason).toMatch(/kaput/);
    expect((await grade({ ...base, export: "missing" }, "x")).reason).toMatch(/not a function/);
    expect((await grade({ ...base, file: "nope.mjs" }, "x")).reason).toMatch(/custom check failed/);
  });
});
