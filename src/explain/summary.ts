// The plain-language reading of an explanation, for people who do not read attribution tables:
// which parts raised (and lowered) the chance of the target, and how far the ranking can be trusted
// compared with a random one.
import type { Explanation } from "./explain.js";

const quote = (s: string): string => `“${s.trim() === "" ? s.replace(/\n/g, "⏎") : s.trim()}”`;

function clip(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

const noun = { token: "tokens", word: "words", sentence: "sentences" } as const;

export function summarize(e: Explanation): string {
  const fmt = (v: number) => (e.unit === "nats" ? `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(2)}` : v.toFixed(3));
  const sorted = [...e.features].sort((a, b) => b.score - a.score);
  const top = sorted.filter((f) => f.score > 0 && f.text.trim() !== "").slice(0, 3);
  const bottom = [...sorted]
    .reverse()
    .filter((f) => f.score < 0 && f.text.trim() !== "")
    .slice(0, 2);
  const target = quote(clip(e.target));
  const parts: string[] = [];
  if (e.unit === "attention") {
    parts.push(
      top.length > 0
        ? `While writing ${target}, the model paid most attention to the ${noun[e.group]} ${list(top.map((f) => `${quote(f.text)} (${fmt(f.score)})`))}.`
        : `The model paid no attention to any part of the prompt while writing ${target}.`,
    );
  } else {
    parts.push(
      top.length > 0
        ? `The ${noun[e.group]} that most raised the chance of ${target} were ${list(top.map((f) => `${quote(f.text)} (${fmt(f.score)})`))}.`
        : `No part of the prompt raised the chance of ${target}.`,
    );
    if (bottom.length > 0)
      parts.push(
        `The ones that most lowered it were ${list(bottom.map((f) => `${quote(f.text)} (${fmt(f.score)})`))}.`,
      );
  }
  const d = e.faithfulness.deletion.aopc;
  const r = e.faithfulness.random;
  const effect =
    d >= 0
      ? `Deleting the top-ranked ${noun[e.group]} first lowers the log-probability by ${d.toFixed(2)} nats on average (deletion AOPC)`
      : `Deleting the top-ranked ${noun[e.group]} first raises the log-probability by ${(-d).toFixed(2)} nats on average (deletion AOPC ${d.toFixed(2)}; a faithful ranking lowers it)`;
  if (r) {
    const verdict =
      d > r.deletionAopc
        ? `better than a random ranking (${r.deletionAopc.toFixed(2)})`
        : `no better than a random ranking (${r.deletionAopc.toFixed(2)}), so read it with care`;
    parts.push(`${effect}, ${verdict}.`);
  } else {
    parts.push(`${effect}.`);
  }
  return parts.join(" ");
}
