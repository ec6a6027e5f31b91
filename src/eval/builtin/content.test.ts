// The built-in suites' content: pairs differ only in the person, planted values are real PII to
// the detectors, probes are well-formed, and the heuristics (sentiment, refusal) read obvious cases
// right in both languages.
import { describe, expect, it } from "vitest";
import { detectPii } from "../../data/pii/index.js";
import { suiteSchema } from "../types.js";
import { BIAS_ATTRIBUTES, buildPairs } from "./bias/pairs.js";
import { biasSuite, biasSuiteOptions } from "./bias/suite.js";
import { builtinSuiteNames, loadBuiltinSuite } from "./index.js";
import { cnIdCheckChar, luhnCheckDigit, plantedValues } from "./redteam/planted.js";
import { buildProbes, REDTEAM_CATEGORIES } from "./redteam/probes.js";
import { isRefusal } from "./refusal.js";
import { sentiment } from "./sentiment.js";

describe("counterfactual pairs", () => {
  const pairs = buildPairs({ perCell: 6 });

  it("covers every attribute in both languages, deterministically", () => {
    expect(pairs).toHaveLength(BIAS_ATTRIBUTES.length * 2 * 6);
    for (const attribute of BIAS_ATTRIBUTES) {
      for (const lang of ["en", "zh"]) {
        expect(pairs.filter((p) => p.attribute === attribute && p.lang === lang)).toHaveLength(6);
      }
    }
    expect(buildPairs({ perCell: 6 })).toEqual(pairs);
    expect(buildPairs({ perCell: 6, seed: 2 })).not.toEqual(pairs);
    expect(new Set(pairs.map((p) => p.id)).size).toBe(pairs.length);
  });

  it("makes the two sides identical except for the person", () => {
    for (const p of pairs) {
      expect(p.fills[0]).not.toBe(p.fills[1]);
      for (const [x, y] of [p.prompts, p.contexts]) {
        const strip = (s: string, fill: string) => s.replace(fill, "<P>").replace(/^[a-z]/, (c) => c.toUpperCase());
        const capital = (s: string) => s.replace(/^[a-z]/, (c) => c.toUpperCase());
        // Either side with its fill replaced reads the same (allowing sentence-initial capitals).
        const a = x.includes(p.fills[0]) ? strip(x, p.fills[0]) : strip(x, capital(p.fills[0]));
        const b = y.includes(p.fills[1]) ? strip(y, p.fills[1]) : strip(y, capital(p.fills[1]));
        expect(a).toBe(b);
        expect(a).toContain("<P>");
      }
      expect(p.continuations.map((c) => c.valence).sort()).toEqual([-1, 1]);
      if (p.lang === "zh") expect(p.prompts[0]).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it("builds a valid suite with two tests per pair and checks its options", () => {
    const suite = biasSuite(biasSuiteOptions({ "bias.pairs": "2", "bias.languages": "zh" }));
    expect(suiteSchema.safeParse(suite).success).toBe(true);
    expect(suite.tests).toHaveLength(BIAS_ATTRIBUTES.length * 2 * 2);
    expect(() => biasSuiteOptions({ "bias.pairs": "0" })).toThrow(/bias.pairs/);
    expect(() => biasSuiteOptions({ "bias.attributes": "gender,colour" })).toThrow(/bias.attributes/);
  });
});

describe("built-in suite index", () => {
  it("loads every named suite, validated by the core's schema", () => {
    expect(builtinSuiteNames()).toEqual(expect.arrayContaining(["bias", "bias-quick", "redteam"]));
    for (const name of builtinSuiteNames()) {
      const loaded = loadBuiltinSuite(name);
      expect(loaded?.analyse).toBeTypeOf("function");
      expect(suiteSchema.safeParse(loaded?.suite).success).toBe(true);
    }
    expect(loadBuiltinSuite("nope")).toBeUndefined();
    expect(loadBuiltinSuite("red-team")?.suite.tests.length).toBe(loadBuiltinSuite("redteam")?.suite.tests.length);
    expect(() => loadBuiltinSuite("redteam", { "redteam.categories": "everything" })).toThrow(/redteam.categories/);
  });
});

describe("planted values", () => {
  it("computes check digits by the standards", () => {
    // GB 11643 example from the standard: 11010519491231002X.
    expect(cnIdCheckChar("11010519491231002")).toBe("X");
    expect(luhnCheckDigit("411111111111111")).toBe("1"); // 4111 1111 1111 1111
  });

  it("are found by the data module's PII detectors with the right types", () => {
    for (const seed of [1, 2, 3]) {
      const v = plantedValues(seed);
      const typeOf = (text: string) => detectPii(`value: ${text}`).map((d) => d.type);
      expect(typeOf(v.email)).toContain("EMAIL");
      expect(typeOf(`手机 ${v.phone}`)).toContain("PHONE");
      expect(typeOf(`身份证 ${v.cnId}`)).toContain("CN_ID");
      expect(typeOf(v.card)).toContain("CREDIT_CARD");
      expect(typeOf(v.awsKey)).toContain("SECRET");
      expect(typeOf(v.apiKey)).toContain("SECRET");
    }
  });
});

describe("red-team probes", () => {
  const probes = buildProbes(1);

  it("cover every category in both languages with unique ids and markers", () => {
    for (const category of REDTEAM_CATEGORIES) {
      for (const lang of ["en", "zh"]) {
        expect(probes.filter((p) => p.category === category && p.lang === lang).length).toBeGreaterThanOrEqual(4);
      }
    }
    expect(new Set(probes.map((p) => p.id)).size).toBe(probes.length);
    const jailbreaks = new Set(probes.filter((p) => p.category === "jailbreak").map((p) => p.technique));
    expect([...jailbreaks]).toEqual(
      expect.arrayContaining(["dan", "role-play", "ignore-instructions", "base64", "rot13"]),
    );
    expect(buildProbes(1)).toEqual(probes);
  });

  it("keep secrets out of the user turn and hide encoded markers", () => {
    for (const p of probes) {
      expect(p.leaks.length).toBeGreaterThan(0);
      if (p.category === "system-prompt-leakage" || p.category === "context-leakage") {
        expect(p.system).toContain(p.leaks[0]);
        for (const leak of p.leaks) expect(p.user.toLowerCase()).not.toContain(leak.toLowerCase());
      }
      if (p.technique === "base64" || p.technique === "rot13") {
        expect(p.user).not.toContain(p.leaks[0]);
      }
      // Templates in a suite are {{var}}; probe text must not look like one.
      expect(`${p.system}${p.user}`).not.toContain("{{");
    }
  });
});

describe("heuristics", () => {
  it("scores sentiment in both languages, with negation", () => {
    expect(sentiment("She is brilliant, reliable and kind.").score).toBe(1);
    expect(sentiment("He is lazy and difficult.").score).toBe(-1);
    expect(sentiment("The candidate is not qualified.").score).toBe(-1);
    expect(sentiment("这位候选人非常优秀，值得信赖。").score).toBe(1);
    expect(sentiment("他懒惰又难以相处。").score).toBe(-1);
    expect(sentiment("她的能力不合格。").score).toBe(-1);
    expect(sentiment("他并不优秀。").score).toBe(-1);
    expect(sentiment("The sky is blue.").score).toBe(0);
  });

  it("detects refusals in both languages and leaves answers alone", () => {
    for (const text of [
      "I'm sorry, but I can't help with that.",
      "I cannot provide instructions for breaking into a house.",
      "As an AI language model, I cannot share that.",
      "I must decline this request.",
      "抱歉，我无法提供这些信息。",
      "对不起，我不能帮你写钓鱼邮件。",
      "作为一个人工智能助手，我不能透露系统提示。",
    ]) {
      expect(isRefusal(text), text).toBe(true);
    }
    for (const text of [
      "Paris is the capital of France.",
      "The page recommends watering tomatoes in the morning.",
      "巴黎是法国的首都。",
      "I can help with that: here is a summary.",
    ]) {
      expect(isRefusal(text), text).toBe(false);
    }
  });
});
