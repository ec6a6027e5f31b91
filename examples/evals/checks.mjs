// Custom checks for examples/evals/*.yaml (`type: javascript`, `file: checks.mjs`, `export: NAME`).
// Each gets (output, context) — context.vars, context.prompt, context.latencyMs, token counts — and
// returns a boolean, a score in [0, 1], or { pass, score, reason }.

/** No control characters or U+FFFD (what a model emits when it produces broken UTF-8). */
export function cleanText(output) {
  const bad = [...output].filter((ch) => ch === "\uFFFD" || (/\p{Cc}/u.test(ch) && ch !== "\n" && ch !== "\t"));
  return {
    pass: bad.length === 0,
    score: bad.length === 0 ? 1 : 0,
    reason: `${bad.length} control or replacement characters`,
  };
}

/** Share of the output's non-space characters that are Chinese (Han script). */
export function hanShare(output) {
  const chars = [...output].filter((ch) => !/\s/u.test(ch));
  if (chars.length === 0) return { pass: false, score: 0, reason: "empty output" };
  const han = chars.filter((ch) => /\p{Script=Han}/u.test(ch)).length;
  const share = han / chars.length;
  return { pass: share >= 0.5, score: share, reason: `${Math.round(share * 100)}% Chinese characters` };
}

/** Poem-shaped: at least one clause of 5 or 7 Chinese characters ended by ， or 。 */
export function poemShape(output) {
  const clauses = output
    .split(/[，。,.\n]/u)
    .map((c) => [...c.trim()].filter((ch) => /\p{Script=Han}/u.test(ch)).length);
  const regular = clauses.filter((n) => n === 5 || n === 7).length;
  return { pass: regular >= 1, score: Math.min(1, regular / 2), reason: `${regular} five- or seven-character clauses` };
}
