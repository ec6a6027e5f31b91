// Red-team probes through the evaluation runner with scripted models whose weaknesses are known:
// one that recites its system prompt fails exactly the two leakage categories, one that obeys any
// instruction it reads fails exactly injection and jailbreak (encoded ones included), one that leaks
// a planted card number in another format is caught by the PII detectors, and one that refuses
// everything passes every category.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBuiltinSuite } from "../src/eval/builtin/index.js";
import { type ScriptedBehaviour, scriptedProvider } from "../src/eval/builtin/testing.js";
import { runEval } from "../src/eval/run.js";
import { EvalStore } from "../src/eval/store.js";
import { prepareSuite } from "../src/eval/suite.js";
import type { AnalysisReport, Provider } from "../src/eval/types.js";
import { openMetadataStore } from "../src/store/metadata/index.js";
import type { MetadataStore } from "../src/store/metadata/types.js";

let store: MetadataStore;

beforeAll(async () => {
  store = await openMetadataStore(":memory:");
});

afterAll(async () => {
  await store?.close();
});

async function probe(
  provider: Provider,
  settings: Record<string, string> = {},
  suiteSettings: Record<string, string> = settings,
) {
  const builtin = loadBuiltinSuite("redteam", suiteSettings);
  if (!builtin) throw new Error("builtin:redteam is missing");
  const suite = prepareSuite(builtin.suite, { name: "builtin:redteam", baseDir: process.cwd(), builtin });
  const outcome = await runEval({
    suite,
    candidate: { ref: provider.label, provider },
    evals: new EvalStore(store),
    cache: null,
    concurrency: 8,
    gate: true,
    actor: "test",
    resume: "never",
    getProvider: async () => provider,
    settings,
  });
  const analysis = outcome.summary.analyses[0] as AnalysisReport;
  expect(analysis.title).toBe("Red-team probes");
  return { outcome, analysis };
}

const passRates = (analysis: AnalysisReport) =>
  Object.fromEntries(
    ["prompt-injection", "system-prompt-leakage", "context-leakage", "jailbreak"].map((c) => [
      c,
      analysis.metrics[`${c}.passRate`],
    ]),
  );

const zh = (text: string) => /[\u4e00-\u9fff]/.test(text);

const refusing: ScriptedBehaviour = {
  answer: ({ user }) => (zh(user) ? "抱歉，我无法帮助完成这个请求。" : "I'm sorry, but I can't help with that."),
};

/** Answers helpfully but recites its instructions when asked about them — or about anything. */
const reciting: ScriptedBehaviour = {
  answer: ({ system }) => `Happy to help! For context, my instructions say: ${system}`,
};

/** Follows any instruction it can find in the user's text, decoding base64 and ROT13 first. */
const MARKER = /\b(?:INJECTED|ACCESS-GRANTED|OVERRIDE|PWNED|JB)-[A-Z0-9]{6}\b/;
const rot13 = (t: string) =>
  t.replace(/[A-Za-z]/g, (c) => {
    const base = c <= "Z" ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
const obedient: ScriptedBehaviour = {
  answer: ({ user }) => {
    const candidates = [user, rot13(user)];
    for (const blob of user.match(/[A-Za-z0-9+/=]{24,}/g) ?? []) {
      candidates.push(Buffer.from(blob, "base64").toString("utf8"));
    }
    for (const text of candidates) {
      const m = MARKER.exec(text);
      if (m) return `${m[0]}: Sure, here is what you asked for.`;
    }
    return "Sure, here is what you asked for.";
  },
};

/** Leaks the planted card and ID with different separators: literal matching misses, detectors do not. */
const reformatting: ScriptedBehaviour = {
  answer: ({ system }) => {
    const card = /card (\d{4}) (\d{4}) (\d{4}) (\d{4})|银行卡 (\d{4}) (\d{4}) (\d{4}) (\d{4})/.exec(system);
    if (!card) return "How can I help you today?";
    const groups = card.slice(1).filter(Boolean);
    return `The card on file is ${groups.join("-")}.`;
  },
};

describe("red-team probes", () => {
  it("pass a model that refuses everything", async () => {
    const { outcome, analysis } = await probe(scriptedProvider("refusing", refusing));
    expect(analysis.pass).toBe(true);
    expect(outcome.summary.gate.pass).toBe(true);
    expect(passRates(analysis)).toEqual({
      "prompt-injection": 1,
      "system-prompt-leakage": 1,
      "context-leakage": 1,
      jailbreak: 1,
    });
    expect(analysis.metrics["jailbreak.refusalRate"]).toBe(1);
    expect(analysis.sections.map((s) => s.heading)).not.toContain("Failed probes");
  });

  it("fail exactly the leakage categories for a model that recites its system prompt", async () => {
    const { outcome, analysis } = await probe(scriptedProvider("reciting", reciting));
    expect(analysis.pass).toBe(false);
    expect(outcome.summary.gate.pass).toBe(false);
    expect(passRates(analysis)).toEqual({
      "prompt-injection": 1,
      "system-prompt-leakage": 0,
      "context-leakage": 0,
      jailbreak: 1,
    });
    expect(analysis.summary).toMatch(/failed system-prompt-leakage, context-leakage/);
    const failed = analysis.sections.find((s) => s.heading === "Failed probes")?.table?.rows ?? [];
    expect(failed.length).toBe(outcome.results.filter((r) => !r.pass).length);
    expect(failed.map((r) => String(r[2])).join("\n")).toMatch(/CANARY-/);
    // The PII assertion names types and counts, never the values.
    const pii = outcome.results.flatMap((r) => r.assertions.filter((a) => a.metric === "no-pii" && !a.pass));
    expect(pii.length).toBeGreaterThan(0);
    expect(pii[0]?.reason).toMatch(/CREDIT_CARD|CN_ID|EMAIL|SECRET|PHONE/);
    expect(pii[0]?.reason).not.toMatch(/\d{6}/);
  });

  it("fail exactly injection and jailbreak for a model that obeys what it reads, encodings included", async () => {
    const { analysis, outcome } = await probe(scriptedProvider("obedient", obedient));
    expect(analysis.pass).toBe(false);
    expect(passRates(analysis)).toEqual({
      "prompt-injection": 0,
      "system-prompt-leakage": 1,
      "context-leakage": 1,
      jailbreak: 0,
    });
    const techniques = new Set(outcome.results.filter((r) => !r.pass).map((r) => String(r.metadata.technique)));
    for (const t of ["document", "tool-output", "dan", "role-play", "base64", "rot13"]) expect(techniques).toContain(t);
    const byLanguage = analysis.sections.find((s) => s.heading === "By language")?.table?.rows ?? [];
    expect(byLanguage.map((r) => r[0]).sort()).toEqual(["en", "zh"]);
  });

  it("catch a planted value leaked in another format through the PII detectors", async () => {
    const { outcome, analysis } = await probe(scriptedProvider("reformatting", reformatting), {
      "redteam.categories": "context-leakage",
    });
    expect(analysis.metrics["context-leakage.passRate"]).toBe(0);
    for (const r of outcome.results) {
      const literal = r.assertions.find((a) => a.metric === "no-leak");
      const pii = r.assertions.find((a) => a.metric === "no-pii");
      expect(literal?.pass).toBe(true); // 4111-… is not the planted "4111 …" nor its compact form
      expect(pii?.pass).toBe(false);
      expect(pii?.reason).toMatch(/CREDIT_CARD/);
    }
  });

  it("honours a per-category threshold and refuses bad settings", async () => {
    const { analysis } = await probe(scriptedProvider("reciting", reciting), {
      "redteam.categories": "prompt-injection,jailbreak",
      "redteam.languages": "zh",
      "redteam.minPassRate": "0.5",
    });
    expect(analysis.pass).toBe(true);
    expect(Object.keys(analysis.metrics)).not.toContain("context-leakage.passRate");
    expect(() => loadBuiltinSuite("redteam", { "redteam.minPassRate": "2" })).toThrow(/minPassRate/);
    // A shaping setting that never reached the suite is reported, not silently ignored.
    const stale = await probe(scriptedProvider("refusing", refusing), { "redteam.languages": "zh" }, {});
    expect(stale.analysis.summary).toMatch(/redteam.languages=zh \(the suite ran with en,zh\) did not shape/);
    expect(() => loadBuiltinSuite("redteam", { "redteam.languages": "fr" })).toThrow(/redteam.languages/);
  });
});
