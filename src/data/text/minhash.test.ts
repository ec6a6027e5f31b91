// Near-duplicate detection measured against exact Jaccard similarity on generated sets: English-like
// word documents (word 3-gram shingles) and Chinese text from the bundled Tang poems (character
// 5-gram shingles), each base document with edited copies spanning the whole similarity range.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../summary.js";
import { NearDuplicateIndex, optimalBands } from "./lsh.js";
import { DEFAULT_MINHASH, MinHasher, shingles } from "./minhash.js";

const REPO = path.resolve(import.meta.dirname, "../../..");
const EDIT_RATES = [0, 0.01, 0.03, 0.05, 0.08, 0.12, 0.2, 0.4];

function wordCorpus(bases: number, seed: number): string[] {
  const rand = mulberry32(seed);
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const vocab = Array.from({ length: 3000 }, () =>
    Array.from({ length: 3 + Math.floor(rand() * 7) }, () => letters[Math.floor(rand() * 26)]).join(""),
  );
  const word = () => vocab[Math.floor(rand() * vocab.length)]!;
  const docs: string[] = [];
  for (let b = 0; b < bases; b++) {
    const base = Array.from({ length: 60 + Math.floor(rand() * 200) }, word);
    docs.push(base.join(" "));
    for (const rate of EDIT_RATES.slice(1)) docs.push(base.map((w) => (rand() < rate ? word() : w)).join(" "));
  }
  return docs;
}

function chineseCorpus(bases: number, seed: number): string[] {
  const rand = mulberry32(seed);
  const text = readFileSync(path.join(REPO, "data/corpora/tang-poems.txt"), "utf8").replace(/\s+/g, "");
  const chars = [...new Set(text)];
  const docs: string[] = [];
  for (let b = 0; b < bases; b++) {
    const start = Math.floor(rand() * (text.length - 400));
    const base = [...text.slice(start, start + 80 + Math.floor(rand() * 250))];
    docs.push(base.join(""));
    for (const rate of EDIT_RATES.slice(1)) {
      docs.push(base.map((c) => (rand() < rate ? chars[Math.floor(rand() * chars.length)]! : c)).join(""));
    }
  }
  return docs;
}

function shingleSet(doc: string): Uint32Array {
  return Uint32Array.from(new Set(shingles(doc, DEFAULT_MINHASH))).sort();
}

function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! === b[j]!) {
      inter++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return inter / (a.length + b.length - inter);
}

interface Measured {
  truePairs: number;
  predicted: number;
  precision: number;
  recall: number;
  /**
   * Recall and precision ignoring pairs within ±0.1 of the threshold: with k = 128 the estimate's
   * standard deviation is √(J(1−J)/128) ≈ 0.035, so closer pairs are partly coin flips by nature.
   */
  clearPrecision: number;
  clearRecall: number;
  meanAbsError: number;
  /** Mean signed error of the estimate (should be ~0: MinHash is unbiased). */
  bias: number;
  /**
   * What theory predicts for these pairs: a pair with similarity J is reported with probability
   * P(candidate) · P(Binomial(k, J)/k ≥ t), so measured precision and recall must come close.
   */
  expectedPrecision: number;
  expectedRecall: number;
}

/** P(X ≥ m) for X ~ Binomial(n, p). */
function binomialTail(n: number, p: number, m: number): number {
  if (p <= 0) return m <= 0 ? 1 : 0;
  if (p >= 1) return 1;
  let logC = 0; // log C(n, i), built up incrementally
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    if (i >= m) sum += Math.exp(logC + i * Math.log(p) + (n - i) * Math.log(1 - p));
  }
  return Math.min(1, sum);
}

function measure(docs: string[], threshold: number): Measured {
  const hasher = new MinHasher();
  const index = new NearDuplicateIndex({ numPerm: DEFAULT_MINHASH.numPerm, threshold });
  const sigs = docs.map((d) => hasher.signature(d)!);
  for (const sig of sigs) index.add(sig);
  const sets = docs.map(shingleSet);
  let truePairs = 0;
  let predicted = 0;
  let hits = 0;
  let clearTrue = 0;
  let clearPred = 0;
  let clearHits = 0;
  let expectedTp = 0;
  let expectedFp = 0;
  const k = DEFAULT_MINHASH.numPerm;
  const report = (j: number) =>
    (1 - (1 - j ** index.rows) ** index.bands) * binomialTail(k, j, Math.ceil(threshold * k - 1e-9));
  let errorSum = 0;
  let signedSum = 0;
  let errorCount = 0;
  const predictedPairs = new Set<number>();
  for (let j = 0; j < docs.length; j++) {
    for (const i of index.candidates(sigs[j]!)) {
      if (i < j && index.similarity(sigs[j]!, i) >= threshold) predictedPairs.add(i * docs.length + j);
    }
  }
  for (let i = 0; i < docs.length; i++) {
    for (let j = i + 1; j < docs.length; j++) {
      const exact = jaccard(sets[i]!, sets[j]!);
      const isTrue = exact >= threshold;
      const isPred = predictedPairs.has(i * docs.length + j);
      if (exact > 0.2) {
        const error = index.similarity(sigs[j]!, i) - exact;
        errorSum += Math.abs(error);
        signedSum += error;
        errorCount++;
      }
      if (exact > 0.2) {
        if (isTrue) expectedTp += report(exact);
        else expectedFp += report(exact);
      }
      truePairs += Number(isTrue);
      predicted += Number(isPred);
      hits += Number(isTrue && isPred);
      if (Math.abs(exact - threshold) > 0.1) {
        clearTrue += Number(isTrue);
        clearPred += Number(isPred);
        clearHits += Number(isTrue && isPred);
      }
    }
  }
  return {
    truePairs,
    predicted,
    precision: hits / Math.max(1, predicted),
    recall: hits / Math.max(1, truePairs),
    clearPrecision: clearPred ? clearHits / clearPred : 1,
    clearRecall: clearTrue ? clearHits / clearTrue : 1,
    meanAbsError: errorSum / Math.max(1, errorCount),
    bias: signedSum / Math.max(1, errorCount),
    expectedPrecision: expectedTp / Math.max(1e-9, expectedTp + expectedFp),
    expectedRecall: expectedTp / Math.max(1, truePairs),
  };
}

describe("MinHash + LSH near-duplicate detection vs exact Jaccard", () => {
  it("estimates Jaccard without bias and finds word-shingle near-duplicates (en-like text)", () => {
    const docs = wordCorpus(90, 7);
    for (const threshold of [0.7, 0.8, 0.9]) {
      const m = measure(docs, threshold);
      console.log(
        `words t=${threshold}`,
        JSON.stringify(m, (_k, v) => (typeof v === "number" ? Math.round(v * 1000) / 1000 : v)),
      );
      expect(m.truePairs).toBeGreaterThan(100);
      // k = 128: the estimate's standard deviation is at most 0.044, so |error| averages ≤ ~0.035.
      expect(m.meanAbsError).toBeLessThan(0.035);
      expect(Math.abs(m.bias)).toBeLessThan(0.01);
      expect(m.precision).toBeGreaterThan(m.expectedPrecision - 0.06);
      expect(m.recall).toBeGreaterThan(m.expectedRecall - 0.06);
      expect(m.precision).toBeGreaterThan(0.85);
      expect(m.recall).toBeGreaterThan(0.75);
      expect(m.clearPrecision).toBeGreaterThan(0.98);
      expect(m.clearRecall).toBeGreaterThan(0.98);
    }
  });

  it("finds character-shingle near-duplicates in Chinese text", () => {
    const docs = chineseCorpus(90, 11);
    const m = measure(docs, 0.8);
    console.log(
      "zh chars t=0.8",
      JSON.stringify(m, (_k, v) => (typeof v === "number" ? Math.round(v * 1000) / 1000 : v)),
    );
    expect(m.truePairs).toBeGreaterThan(100);
    expect(Math.abs(m.bias)).toBeLessThan(0.01);
    expect(m.precision).toBeGreaterThan(m.expectedPrecision - 0.06);
    expect(m.recall).toBeGreaterThan(m.expectedRecall - 0.06);
    expect(m.precision).toBeGreaterThan(0.88);
    expect(m.recall).toBeGreaterThan(0.88);
    expect(m.clearPrecision).toBeGreaterThan(0.98);
    expect(m.clearRecall).toBeGreaterThan(0.98);
  });

  it("uses character shingles for CJK and word shingles otherwise, ignoring case and punctuation", () => {
    const hasher = new MinHasher();
    const a = hasher.signature("The quick brown fox jumps over the lazy dog!")!;
    const b = hasher.signature("the QUICK brown fox, jumps over the lazy dog")!;
    expect([...a]).toEqual([...b]);
    expect(shingles("一二三四五六", DEFAULT_MINHASH)).toHaveLength(2); // 5-grams over 6 characters
    expect(shingles("one two three four", DEFAULT_MINHASH)).toHaveLength(2); // word 3-grams over 4 words
    expect(hasher.signature("  ,.!? ")).toBeNull();
    expect(hasher.signature("短")).not.toBeNull();
  });

  it("chooses bands so the S-curve rises at the threshold", () => {
    for (const t of [0.5, 0.7, 0.8, 0.9]) {
      const { bands, rows } = optimalBands(t, 128);
      expect(bands * rows).toBeLessThanOrEqual(128);
      const p = (s: number) => 1 - (1 - s ** rows) ** bands;
      expect(p(Math.min(1, t + 0.05))).toBeGreaterThan(0.95);
      expect(p(Math.max(0, t - 0.3))).toBeLessThan(0.1);
    }
  });
});
