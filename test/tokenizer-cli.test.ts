// `llmops tokenizer …` as users run it (needs `npm run build`; `npm test` builds first).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

const KJV = path.resolve(import.meta.dirname, "../data/corpora/kjv-genesis.txt");
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "llmops-tokenizer-cli-"));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("llmops tokenizer", () => {
  it("trains, shows, encodes and decodes", () => {
    const train = runCli(["tokenizer", "train", KJV, "--vocab-size", "600", "-o", "tok.json", "--chatml", "--json"], {
      cwd: dir,
    });
    expect(train.stderr).toBe("");
    expect(train.code).toBe(0);
    const report = JSON.parse(train.stdout);
    expect(report).toMatchObject({ output: "tok.json", stats: { vocabSize: 600, segmentationAgreement: 1 } });
    expect(report.corpus[0]).toMatchObject({ name: "kjv-genesis.txt", bytes: 196_818 });
    const file = JSON.parse(readFileSync(path.join(dir, "tok.json"), "utf8"));
    expect(file.pieces.slice(3, 5)).toEqual(["<|im_start|>", "<|im_end|>"]);
    expect(file.special.eos).toBe(4);

    const human = runCli(["tokenizer", "train", KJV, "--vocab-size", "600", "-o", "tok.json", "--force"], { cwd: dir });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/trained tok\.json: 600 pieces = 3 special \+ 256 bytes/);

    const show = runCli(["tokenizer", "show", "tok.json", "--json", "--pieces", "3"], { cwd: dir });
    expect(JSON.parse(show.stdout)).toMatchObject({ vocabSize: 600, bytes: 256, pieces: ["th", "▁th", "nd"] });

    const encode = runCli(["tokenizer", "encode", "tok.json", "--json"], { cwd: dir, input: "And God said 你好" });
    const { ids, pieces } = JSON.parse(encode.stdout) as { ids: number[]; pieces: string[] };
    expect(pieces.slice(0, 3)).toEqual(["And", "▁God", "▁said"]);
    const decode = runCli(["tokenizer", "decode", "tok.json", ids.join(","), "--json"], { cwd: dir });
    expect(JSON.parse(decode.stdout)).toEqual({ text: "And God said 你好" });
  });

  it("fails with clear messages and the right exit codes", () => {
    const cases: Array<[string[], number, RegExp]> = [
      [["tokenizer", "train", KJV, "--vocab-size", "100", "-o", "a.json"], 2, /--vocab-size must be at least 260/],
      [["tokenizer", "train", KJV, "--vocab-size", "261", "--chatml", "-o", "a.json"], 2, /at least 262/],
      [["tokenizer", "train", KJV, "--vocab-size", "lots", "-o", "a.json"], 2, /--vocab-size must be an integer/],
      [["tokenizer", "train", KJV, "-o", "a.json"], 2, /required option/],
      [["tokenizer", "train", "missing.txt", "--vocab-size", "300", "-o", "a.json"], 1, /missing\.txt does not exist/],
      [
        ["tokenizer", "train", "latin1.txt", "--vocab-size", "300", "-o", "a.json"],
        1,
        /not valid UTF-8.*byte offset 3\b/,
      ],
      [["tokenizer", "train", "empty.txt", "--vocab-size", "300", "-o", "a.json"], 1, /corpus is empty/],
      [["tokenizer", "show", "latin1.txt"], 1, /not valid JSON/],
      [["tokenizer", "decode", "tok.json", "99999"], 1, /outside the vocabulary/],
    ];
    writeFileSync(path.join(dir, "latin1.txt"), Buffer.from("caf\u00e9\nna\xefve\n", "latin1"));
    writeFileSync(path.join(dir, "empty.txt"), "");
    for (const [args, code, message] of cases) {
      const result = runCli(args, { cwd: dir });
      expect({ args, code: result.code }).toEqual({ args, code });
      expect(result.stderr).toMatch(message);
    }
    expect(() => readFileSync(path.join(dir, "a.json"))).toThrow(/ENOENT/);
  });
});
