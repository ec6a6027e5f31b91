// Cutting a prompt into features (tokens, words, sentences) and putting a perturbed prompt back
// together. Features tile the prompt: concatenating every feature's text gives the prompt back, so
// the all-kept coalition is exactly the original prompt and a removed feature's text is simply left
// out (deletion, not a placeholder token: a placeholder is itself a token the model reacts to).
//
// Words and sentences come from Intl.Segmenter (ICU): Chinese and Japanese are segmented with ICU's
// dictionary (床前|明月光 → 床|前|明|月光), other scripts at word boundaries. Whitespace joins the
// word before it, so deleting a word does not leave a double space; punctuation is a feature of its
// own (it often matters: "，" and "。" shape what comes next).
import { invalidRequest } from "../errors.js";
import type { Feature, Grouping, Mask, TokenSpan } from "./types.js";

/** More features than this make every method slow and the heatmap unreadable; group coarser instead. */
export const MAX_FEATURES = 512;

function fromBoundaries(text: string, cuts: number[]): Feature[] {
  const sorted = [...new Set([0, ...cuts, text.length])]
    .filter((c) => c >= 0 && c <= text.length)
    .sort((a, b) => a - b);
  const out: Feature[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const start = sorted[i] as number;
    const end = sorted[i + 1] as number;
    if (end > start) out.push({ index: out.length, text: text.slice(start, end), start, end });
  }
  return out;
}

const WHITESPACE = /^\s+$/u;

export function wordFeatures(text: string, locale?: string): Feature[] {
  const segmenter = new Intl.Segmenter(locale ?? guessLocale(text), { granularity: "word" });
  const cuts: number[] = [];
  let first = true;
  for (const s of segmenter.segment(text)) {
    // Whitespace (and leading whitespace) attaches to the feature before it.
    if (WHITESPACE.test(s.segment)) continue;
    if (first) {
      first = false;
      continue; // the first feature starts at 0 and takes any leading whitespace
    }
    cuts.push(s.index);
  }
  return fromBoundaries(text, cuts);
}

export function sentenceFeatures(text: string, locale?: string): Feature[] {
  const segmenter = new Intl.Segmenter(locale ?? guessLocale(text), { granularity: "sentence" });
  const cuts: number[] = [];
  for (const s of segmenter.segment(text)) if (s.index > 0) cuts.push(s.index);
  // ICU does not split Chinese sentences on "，"; it does on "。！？", which is what we want.
  return fromBoundaries(text, cuts);
}

/** Token features from a tokenizer's spans; tokens that share a character (byte pieces) form one feature. */
export function tokenFeatures(text: string, spans: readonly TokenSpan[]): Feature[] {
  const cuts: number[] = [];
  for (const s of spans) if (s.start > 0 && s.start < text.length) cuts.push(s.start);
  return fromBoundaries(text, cuts);
}

/** zh/ja for CJK text (dictionary segmentation), else English rules (good for any space-separated script). */
export function guessLocale(text: string): string {
  if (/[\u3040-\u30ff]/u.test(text)) return "ja";
  if (/[\u4e00-\u9fff\u3400-\u4dbf]/u.test(text)) return "zh";
  return "en";
}

export function segment(text: string, grouping: Grouping, tokenSpans?: readonly TokenSpan[]): Feature[] {
  if (text.length === 0) throw invalidRequest("prompt: must not be empty; send the text to explain.", "prompt");
  let features: Feature[];
  if (grouping === "token") {
    if (!tokenSpans)
      throw invalidRequest(
        "group 'token' needs the model's tokenizer, which this endpoint does not expose; use group 'word' or 'sentence'.",
        "group",
      );
    features = tokenFeatures(text, tokenSpans);
  } else if (grouping === "word") features = wordFeatures(text);
  else features = sentenceFeatures(text);
  if (features.length > MAX_FEATURES)
    throw invalidRequest(
      `the prompt has ${features.length} ${grouping}s; at most ${MAX_FEATURES} features can be explained — shorten it or group coarser (word, sentence).`,
      "prompt",
    );
  return features;
}

/** The prompt with only the kept features, in their original order. */
export function compose(features: readonly Feature[], mask: Mask): string {
  let out = "";
  for (let i = 0; i < features.length; i++) if (mask[i]) out += (features[i] as Feature).text;
  return out;
}

export function fullMask(n: number): Mask {
  return new Uint8Array(n).fill(1);
}

export function emptyMask(n: number): Mask {
  return new Uint8Array(n);
}

/** Feature index of each token span (by its start offset); -1 for spans outside the text (BOS). */
export function featureOfSpans(features: readonly Feature[], spans: readonly TokenSpan[]): number[] {
  return spans.map((s) => {
    if (s.end <= s.start) return -1;
    for (const f of features) if (s.start >= f.start && s.start < f.end) return f.index;
    return -1;
  });
}
