// `llmops data pii scan` as users run it (needs `npm run build`; `npm test` builds).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

const dir = mkdtempSync(path.join(tmpdir(), "llmops-pii-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const input = path.join(dir, "rows.jsonl");
writeFileSync(
  input,
  `${JSON.stringify({ id: "r1", text: "电话：13812345678，邮箱 a@b.co" })}\n${JSON.stringify({ id: "r2", text: "none" })}\n`,
);

describe("llmops data pii scan", () => {
  it("writes span rows to stdout and a summary to stderr", () => {
    const r = runCli(["data", "pii", "scan", "--input", input], { cwd: dir });
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toEqual([
      {
        id: "r1",
        spans: [
          { start: 3, end: 14, type: "PHONE", score: expect.any(Number) },
          { start: 18, end: 24, type: "EMAIL", score: expect.any(Number) },
        ],
      },
      { id: "r2", spans: [] },
    ]);
    expect(r.stderr).toMatch(/scanned 2 rows .* MB\/s: 1 rows with PII, 2 spans \(EMAIL 1, PHONE 1\)/);
  });

  it("writes --output atomically and prints a JSON summary with --json", () => {
    const output = path.join(dir, "spans.jsonl");
    const r = runCli(["data", "pii", "scan", "-i", input, "-o", output, "--types", "email", "--json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 2, spans: 1, byType: { EMAIL: 1, PHONE: 0 } });
    expect(readFileSync(output, "utf8").split("\n")[0]).toContain('"type":"EMAIL"');
  });

  it("fails with file and line on a bad row (exit 1) and on bad flags (exit 2)", () => {
    const bad = path.join(dir, "bad.jsonl");
    writeFileSync(bad, '{"id":1,"text":"ok"}\n{"id":2}\n');
    const output = path.join(dir, "never.jsonl");
    const r = runCli(["data", "pii", "scan", "--input", bad, "--output", output], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:2: missing "text"`);
    expect(existsSync(output)).toBe(false);
    expect(runCli(["data", "pii", "scan", "-i", input, "--types", "NAME"], { cwd: dir }).code).toBe(2);
    expect(runCli(["data", "pii", "scan", "-i", input, "--min-score", "1.5"], { cwd: dir }).code).toBe(2);
    expect(runCli(["data", "pii", "scan"], { cwd: dir }).code).toBe(2);
  });
});
