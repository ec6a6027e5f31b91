// model-graded: a judge model grades the output against a rubric and answers with a verdict. The
// judge is the assertion's `provider`, else the suite's `judge`. Judges are models, so the verdict
// is parsed leniently (see parseVerdict); no verdict at all is a failure that says what came back.
import { z } from "zod";
import { invalidRequest } from "../../errors.js";
import { type Assertion, type GradingResult, type ProviderSpec, providerSpecSchema } from "../types.js";
import { parseSpec, quote } from "./helpers.js";

const schema = z.object({
  value: z.string({ error: "needs the rubric as value" }).min(1, "needs the rubric as value"),
  provider: providerSpecSchema.optional(),
  threshold: z.number().min(0).max(1).optional(),
});
interface Config {
  rubric: string;
  provider: ProviderSpec | undefined;
  threshold: number;
}

export const JUDGE_SYSTEM_PROMPT =
  "You grade an AI system's output against a rubric. Think about whether the output satisfies the rubric, " +
  'then reply with only a JSON object: {"reason": "<one sentence>", "pass": true or false, "score": <number from 0 to 1>}.';

export function judgeMessages(rubric: string, output: string): Array<{ role: "system" | "user"; content: string }> {
  return [
    { role: "system", content: JUDGE_SYSTEM_PROMPT },
    { role: "user", content: `<rubric>\n${rubric}\n</rubric>\n\n<output>\n${output}\n</output>` },
  ];
}

function normaliseScore(raw: unknown): number | undefined {
  const n = typeof raw === "string" ? Number.parseFloat(raw) : typeof raw === "number" ? raw : Number.NaN;
  if (!Number.isFinite(n) || n < 0) return undefined;
  if (n <= 1) return n;
  if (n <= 10) return n / 10; // "8/10" style judges
  if (n <= 100) return n / 100; // percentages
  return undefined;
}

function asBool(raw: unknown): boolean | undefined {
  if (typeof raw === "boolean") return raw;
  if (typeof raw === "string") {
    const s = raw.trim().toLowerCase();
    if (["true", "pass", "passed", "yes"].includes(s)) return true;
    if (["false", "fail", "failed", "no"].includes(s)) return false;
  }
  return undefined;
}

/** JSON objects in a text, outermost first (balanced braces, strings respected). */
function jsonObjects(text: string): unknown[] {
  const found: unknown[] = [];
  for (let start = text.indexOf("{"); start !== -1; start = text.indexOf("{", start + 1)) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === "\\") i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === "{") depth++;
      else if (ch === "}" && --depth === 0) {
        try {
          found.push(JSON.parse(text.slice(start, i + 1)));
        } catch {
          // not JSON; keep looking
        }
        break;
      }
    }
  }
  return found;
}

/**
 * A verdict from a judge's reply: a JSON object with pass and/or score (anywhere in the text, in a
 * code fence or not; scores on 0–1, 0–10 or 0–100 scales), else "PASS"/"FAIL" and "score: x" words.
 */
export function parseVerdict(reply: string): { pass?: boolean; score?: number; reason?: string } | null {
  for (const obj of jsonObjects(reply)) {
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) continue;
    const o = obj as Record<string, unknown>;
    const pass = asBool(o.pass ?? o.passed ?? o.verdict);
    const score = normaliseScore(o.score ?? o.rating);
    if (pass === undefined && score === undefined) continue;
    const reason =
      typeof o.reason === "string" ? o.reason : typeof o.explanation === "string" ? o.explanation : undefined;
    return {
      ...(pass !== undefined ? { pass } : {}),
      ...(score !== undefined ? { score } : {}),
      ...(reason ? { reason } : {}),
    };
  }
  const word = /\b(PASS(?:ED)?|FAIL(?:ED)?)\b/i.exec(reply);
  const scoreMatch = /\bscore\s*[:=]\s*(\d+(?:\.\d+)?)(?:\s*\/\s*(\d+))?/i.exec(reply);
  let score: number | undefined;
  if (scoreMatch) {
    const n = Number(scoreMatch[1]);
    score = scoreMatch[2] ? n / Number(scoreMatch[2]) : normaliseScore(n);
  }
  if (!word && score === undefined) return null;
  return {
    ...(word ? { pass: (word[1] as string).toUpperCase().startsWith("PASS") } : {}),
    ...(score !== undefined && Number.isFinite(score) ? { score: Math.min(1, score) } : {}),
  };
}

export const modelGraded: Assertion<Config> = {
  type: "model-graded",
  description: "a judge model grades the output against the rubric in value",
  parse(spec) {
    const c = parseSpec("model-graded", schema, spec);
    return { rubric: c.value, provider: c.provider, threshold: c.threshold ?? 0.5 };
  },
  async evaluate({ rubric, provider, threshold }, ctx): Promise<GradingResult> {
    const spec = provider ?? ctx.judge;
    if (!spec) {
      throw invalidRequest("model-graded needs a judge: set `judge:` in the suite or `provider:` on the assertion.");
    }
    const judge = await ctx.getProvider(spec);
    const reply = await judge.generate(judgeMessages(rubric, ctx.output), {
      temperature: 0,
      maxTokens: 256,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const verdict = parseVerdict(reply.text);
    if (!verdict) return { pass: false, score: 0, reason: `the judge gave no verdict (replied ${quote(reply.text)})` };
    const score = verdict.score ?? (verdict.pass ? 1 : 0);
    const pass = (verdict.pass ?? true) && score >= threshold;
    return { pass, score, reason: `judge: ${verdict.reason ?? (pass ? "pass" : "fail")} (score ${score.toFixed(2)})` };
  },
};
