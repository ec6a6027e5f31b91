// The streaming JSONL scan behind `llmops data pii scan` (src/data/pii/scan-jsonl.ts): output rows,
// errors naming file and line, and no partial output file on failure.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { scanJsonlFile } from "../src/data/pii/scan-jsonl.js";

const dir = mkdtempSync(path.join(tmpdir(), "llmops-pii-scan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

const ROWS = [
  { id: "a", text: "联系人：王秀英，电话：138-1234-5678。" },
  { id: 2, text: "no pii here" },
  { id: "c", text: "😀 mail a@b.co, card 4111 1111 1111 1111" },
];

describe("scanJsonlFile", () => {
  it("writes one span row per input row, atomically, and summarises", async () => {
    const input = file("in.jsonl", `\ufeff${ROWS.map((r) => JSON.stringify(r)).join("\r\n")}\n\n`);
    const output = path.join(dir, "out.jsonl");
    const summary = await scanJsonlFile(input, { output });
    const lines = readFileSync(output, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(["a", 2, "c"]);
    expect(lines[0].spans.map((s: { type: string }) => s.type)).toEqual(["PERSON", "PHONE"]);
    expect(lines[1].spans).toEqual([]);
    const [email] = lines[2].spans;
    expect(ROWS[2]!.text.slice(email.start, email.end)).toBe("a@b.co");
    expect(Object.keys(email)).toEqual(["start", "end", "type", "score"]);
    expect(summary).toMatchObject({ rows: 3, rowsWithPii: 2, spans: 4 });
    expect(summary.byType).toMatchObject({ PERSON: 1, PHONE: 1, EMAIL: 1, CREDIT_CARD: 1, IBAN: 0 });
    expect(readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
  });

  it("streams to a sink and honours types and minScore", async () => {
    const input = file("in2.jsonl", ROWS.map((r) => JSON.stringify(r)).join("\n"));
    let text = "";
    const sink = new Writable({
      write(chunk, _enc, done) {
        text += chunk;
        done();
      },
    });
    await scanJsonlFile(input, { sink, types: ["EMAIL"], minScore: 0.9 });
    const spans = text
      .trimEnd()
      .split("\n")
      .flatMap((l) => JSON.parse(l).spans);
    expect(spans.map((s: { type: string }) => s.type)).toEqual(["EMAIL"]);
  });

  it.each([
    ["invalid JSON", '{"id":1,"text":"ok"}\n{"id":2,"text":\n', /bad\.jsonl:2: invalid JSON/],
    ["missing text", '{"id":1}\n', /:1: missing "text"/],
    ["text of the wrong type", '{"id":1,"text":42}\n', /:1: "text" must be a string, got a number/],
    ["missing id", '{"text":"x"}\n', /:1: missing "id"/],
    ["an array row", "[1,2]\n", /:1: not a JSON object/],
    [
      "invalid UTF-8",
      Buffer.concat([
        Buffer.from('{"id":1,"text":"ok"}\n{"id":2,"text":"'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}\n'),
      ]),
      /:2: invalid UTF-8/,
    ],
  ])("rejects %s with file and line, leaving no output file", async (_name, content, message) => {
    const input = file("bad.jsonl", content);
    const output = path.join(dir, "bad-out.jsonl");
    await expect(scanJsonlFile(input, { output })).rejects.toThrow(message);
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
  });

  it("keeps an existing output file when the scan fails", async () => {
    const output = file("keep.jsonl", "previous\n");
    await expect(scanJsonlFile(file("bad2.jsonl", "nope\n"), { output })).rejects.toThrow(/bad2\.jsonl:1/);
    expect(readFileSync(output, "utf8")).toBe("previous\n");
  });

  it("reports a missing input and bad options clearly", async () => {
    await expect(scanJsonlFile(path.join(dir, "missing.jsonl"), { sink: new Writable() })).rejects.toThrow(
      /input file not found/,
    );
    await expect(scanJsonlFile(file("ok.jsonl", ""), { minScore: 3 })).rejects.toThrow(/minScore/);
  });

  it("bounds memory: a line longer than the limit is an error naming its line", async () => {
    const long = `{"id":1,"text":"ok"}\n{"id":2,"text":"${"x".repeat(5000)}"}\n`;
    await expect(scanJsonlFile(file("long.jsonl", long), { sink: new Writable(), maxLineBytes: 1000 })).rejects.toThrow(
      /long\.jsonl:2: line longer than 1000 bytes/,
    );
    const progress: number[] = [];
    const rows = Array.from({ length: 1500 }, (_, i) => JSON.stringify({ id: i, text: `${"文本".repeat(500)} ${i}` }));
    const big = file("big.jsonl", `${rows.join("\n")}\n`);
    const sink = new Writable({ write: (_c, _e, done) => done() });
    const summary = await scanJsonlFile(big, { sink, onProgress: (p) => progress.push(p.bytes) });
    expect(summary.rows).toBe(1500);
    expect(progress.length).toBeGreaterThanOrEqual(1);
  });

  it("handles a file without a trailing newline and an empty file", async () => {
    const input = file("tail.jsonl", '{"id":"x","text":"a@b.co"}');
    const output = path.join(dir, "tail-out.jsonl");
    expect((await scanJsonlFile(input, { output })).spans).toBe(1);
    const empty = path.join(dir, "empty-out.jsonl");
    expect((await scanJsonlFile(file("empty.jsonl", ""), { output: empty })).rows).toBe(0);
    expect(readFileSync(empty, "utf8")).toBe("");
  });
});
