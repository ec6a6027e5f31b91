// Each pipeline step on its own: options validation, rewrites, drops with reasons, statistics.
import { describe, expect, it } from "vitest";
import type { Row } from "../types.js";
import { STEPS } from "./registry.js";
import { parsePipeline } from "./spec.js";
import { Dropped, type StepInstance } from "./step.js";

async function make(name: string, options: unknown = {}, env: Record<string, string> = {}): Promise<StepInstance> {
  const step = STEPS.get(name)!;
  return step.create(step.options.parse(options), { textField: "text", env });
}

async function run(instance: StepInstance, texts: string[]): Promise<Array<string | Dropped>> {
  const out: Array<string | Dropped> = [];
  for (const text of texts) {
    const result = await instance.process({ text } as Row);
    out.push(result instanceof Dropped ? result : String(result.text));
  }
  return out;
}

describe("pipeline steps", () => {
  it("normalize: NFKC folds full-width forms and ligatures", async () => {
    const [out] = await run(await make("normalize"), ["ＡＢＣ１２３ ﬁ ①"]);
    expect(out).toBe("ABC123 fi 1");
  });

  it("clean-whitespace: control and zero-width characters, spaces, blank lines, empty rows", async () => {
    const step = await make("clean-whitespace");
    const out = await run(step, ["  a\u0000b\u200bc \t d\u3000e  \r\n\n\n\n\nnext\u0007  ", " \u200b\u0001 "]);
    expect(out[0]).toBe("abc d e\n\nnext");
    expect(out[1]).toEqual(new Dropped("empty"));
    expect(step.stats?.()).toEqual({ changed: 2 });
  });

  it("strip-html: tags, scripts, styles, comments and entities; plain text untouched", async () => {
    const step = await make("strip-html");
    const out = await run(step, [
      "<html><head><style>p{}</style><script>var a='<b>';</script></head><body><h1>Title &amp; more</h1><p>Para <b>bold</b></p><!-- c --><div>中文&lt;x&gt;</div></body></html>",
      "a < b and c > d",
      "<p>   </p>",
    ]);
    expect(out[0]).toBe("Title & more\nPara bold\n中文<x>");
    expect(out[1]).toBe("a < b and c > d");
    expect(out[2]).toEqual(new Dropped("empty_after_markup"));
  });

  it("language: writes the code and keeps only the listed languages", async () => {
    const step = await make("language", { keep: ["zh", "en"] });
    const rows: Row[] = [
      { text: "这是中文句子。" },
      { text: "This is an English sentence." },
      { text: "Das ist ein deutscher Satz." },
    ];
    const results = await Promise.all(rows.map((r) => step.process(r)));
    expect(rows[0]!.lang).toBe("zh");
    expect(rows[1]!.lang).toBe("en");
    expect(results[2]).toEqual(new Dropped("language:de"));
    expect(step.stats?.()).toEqual({ languages: { zh: 1, en: 1, de: 1 } });
  });

  it("length-filter: characters and words (CJK characters count as words)", async () => {
    const step = await make("length-filter", { min_chars: 3, max_words: 4 });
    const out = await run(step, ["ab", "one two three", "one two three four five", "一二三四五"]);
    expect(out).toEqual([
      new Dropped("too_short_chars"),
      "one two three",
      new Dropped("too_long_words"),
      new Dropped("too_long_words"),
    ]);
    expect(() => STEPS.get("length-filter")!.options.parse({})).toThrow(/at least one/);
  });

  it("quality-filter: repetition and symbol rules (Gopher), natural text kept", async () => {
    const step = await make("quality-filter");
    const natural =
      "Data cleaning removes noise from a corpus before training. It filters short pages, strips markup and removes duplicated documents so the model sees more distinct text.";
    const zh =
      "数据清洗会在训练之前去除语料中的噪声。它会过滤过短的网页，去掉标记，并删除重复的文档，让模型看到更多不同的文本。";
    const repeated = Array.from({ length: 20 }, () => "buy cheap watches now").join("\n");
    const symbols = "$$$ ### %%% @@@ !!! *** &&& ^^^ ~~~ ||| <<< >>> +++ === ??? word word word word word";
    const out = await run(step, [natural, zh, repeated, symbols]);
    expect(out[0]).toBe(natural);
    expect(out[1]).toBe(zh);
    expect(out[2]).toBeInstanceOf(Dropped);
    expect((out[2] as Dropped).reason).toMatch(/dup_lines|top_|dup_/);
    expect(out[3]).toEqual(new Dropped("symbol_ratio"));
  });

  it("exact-dedup: case, spacing and punctuation ignored; key fields", async () => {
    const step = await make("exact-dedup");
    const out = await run(step, ["Hello, World!", "hello world", "Hello there", "ＨＥＬＬＯ　ＷＯＲＬＤ"]);
    expect(out).toEqual(["Hello, World!", new Dropped("duplicate"), "Hello there", new Dropped("duplicate")]);
    expect(step.stats?.()).toMatchObject({ unique: 2 });
  });

  it("near-dedup: drops a lightly edited copy, keeps a different text", async () => {
    const step = await make("near-dedup", { threshold: 0.7 });
    const base = Array.from({ length: 80 }, (_, i) => `word${i % 50}x${i}`).join(" ");
    const edited = base.replace("word3x3", "changed");
    const out = await run(step, [base, edited, "a completely different sentence about something else entirely here"]);
    expect(out[0]).toBe(base);
    expect(out[1]).toEqual(new Dropped("near_duplicate"));
    expect(typeof out[2]).toBe("string");
    expect(step.stats?.()).toMatchObject({ indexed: 2 });
    expect(() => STEPS.get("near-dedup")!.options.parse({ bands: 4 })).toThrow(/both bands and rows/);
  });

  it("pii: mask, pseudonym (consistent, keyed) and drop", async () => {
    const text = "Email jane.doe@example.com or call 13812345678.";
    const [masked] = await run(await make("pii", { mode: "mask" }), [text]);
    expect(masked).toBe("Email [EMAIL] or call [PHONE].");
    const key = { LLMOPS_PII_KEY: "0123456789abcdef0123456789abcdef" };
    const pseudo = await make("pii", { mode: "pseudonym" }, key);
    const [a, b] = await run(pseudo, [text, "again: jane.doe@example.com"]);
    const token = /<EMAIL_[0-9a-f]{8}>/.exec(String(a))![0];
    expect(String(b)).toContain(token);
    expect(pseudo.stats?.()).toMatchObject({ rows_with_pii: 2, detections: { EMAIL: 2, PHONE: 1 } });
    const [dropped, kept] = await run(await make("pii", { mode: "drop" }), [text, "nothing personal here"]);
    expect(dropped).toEqual(new Dropped("pii"));
    expect(kept).toBe("nothing personal here");
    await expect(make("pii", { mode: "pseudonym" })).rejects.toThrow(/LLMOPS_PII_KEY/);
  });

  it("split: deterministic by text and seed, close to the ratios", async () => {
    const texts = Array.from({ length: 5000 }, (_, i) => `row ${i}`);
    const first = await make("split");
    const rows = texts.map((text) => ({ text }) as Row);
    for (const r of rows) await first.process(r);
    const again = await make("split");
    for (const text of texts.slice(0, 100)) {
      const r = (await again.process({ text } as Row)) as Row;
      expect(r.split).toBe(rows[texts.indexOf(text)]!.split);
    }
    const counts = (first.stats!() as { splits: Record<string, number> }).splits;
    expect(counts.train! / 5000).toBeCloseTo(0.8, 1);
    expect(counts.validation! / 5000).toBeCloseTo(0.1, 1);
    expect(counts.test! / 5000).toBeCloseTo(0.1, 1);
    const seeded = await make("split", { seed: "other" });
    let moved = 0;
    for (const r of rows.slice(0, 500))
      if (((await seeded.process({ text: r.text } as Row)) as Row).split !== r.split) moved++;
    expect(moved).toBeGreaterThan(20);
    expect(() => STEPS.get("split")!.options.parse({ ratios: { train: 0.5, test: 0.2 } })).toThrow(/add up to 1/);
  });

  it("token-stats: characters and words (no model)", async () => {
    const step = await make("token-stats", { row_fields_prefix: "n_" });
    const row = { text: "Hello world 你好" } as Row;
    await step.process(row);
    expect(row).toMatchObject({ n_chars: 14, n_words: 4 });
    expect(step.stats?.()).toMatchObject({ chars: { count: 1, sum: 14 }, words: { sum: 4 } });
  });
});

describe("pipeline files", () => {
  it("parses steps with defaults and records the YAML and its hash", () => {
    const p = parsePipeline(
      "name: t\ninput: raw@1\noutput: clean\nsteps:\n  - normalize\n  - near-dedup: { threshold: 0.9 }\n",
    );
    expect(p.steps.map((s) => s.step.name)).toEqual(["normalize", "near-dedup"]);
    expect(p.steps[1]!.options).toMatchObject({ threshold: 0.9, num_perm: 128 });
    expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("rejects unknown steps, bad options, typos and bad YAML with the place named", () => {
    expect(() => parsePipeline("steps:\n  - normalise\n", "p.yaml")).toThrow(
      /p\.yaml: steps\.0: unknown step 'normalise'; available: normalize/,
    );
    expect(() => parsePipeline("steps:\n  - near-dedup: { threshold: 2 }\n", "p.yaml")).toThrow(
      /steps\.0 \(near-dedup\): threshold/,
    );
    expect(() => parsePipeline("steps:\n  - normalize: { from: NFC }\n", "p.yaml")).toThrow(/steps\.0 \(normalize\)/);
    expect(() => parsePipeline("steps: [\n", "p.yaml")).toThrow(/p\.yaml:\d+: not valid YAML/);
    expect(() => parsePipeline("steps: []\n", "p.yaml")).toThrow(/at least one step/);
    expect(() => parsePipeline("steps: [normalize]\nvalidate:\n  - not_nul: text\n", "p.yaml")).toThrow(/validate/);
  });
});
