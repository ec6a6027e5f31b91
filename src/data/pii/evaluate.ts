// Span-level precision / recall / F2 for PII detectors against labelled text, shared by the quality
// test (which fails CI on a regression) and bench/pii (which also scores a baseline library).
// A prediction matches a gold span when the types agree (unless `typed` is false) and their character
// intersection-over-union is at least 0.5; each gold span matches at most one prediction. F2 weighs
// recall twice as much as precision: for redaction a missed value leaks, a false alarm only over-masks.

export interface LabelledSpan {
  start: number;
  end: number;
  type: string;
}

export interface Example {
  gold: readonly LabelledSpan[];
  predicted: readonly LabelledSpan[];
}

export interface Scores {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f2: number;
}

export interface Evaluation {
  perType: Record<string, Scores>;
  micro: Scores;
}

export const MIN_IOU = 0.5;

function iou(a: LabelledSpan, b: LabelledSpan): number {
  const inter = Math.min(a.end, b.end) - Math.max(a.start, b.start);
  if (inter <= 0) return 0;
  return inter / (Math.max(a.end, b.end) - Math.min(a.start, b.start));
}

export function scores(tp: number, fp: number, fn: number): Scores {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f2 = precision + recall === 0 ? 0 : (5 * precision * recall) / (4 * precision + recall);
  return { tp, fp, fn, precision, recall, f2 };
}

/** Matches predictions to gold spans per example; `typed: false` ignores types (any PII covers any PII). */
export function evaluateSpans(examples: readonly Example[], options: { typed?: boolean } = {}): Evaluation {
  const typed = options.typed ?? true;
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const bump = (type: string, key: "tp" | "fp" | "fn") => {
    const c = counts.get(type) ?? { tp: 0, fp: 0, fn: 0 };
    c[key]++;
    counts.set(type, c);
  };
  for (const { gold, predicted } of examples) {
    const pairs: { g: number; p: number; overlap: number }[] = [];
    gold.forEach((g, gi) => {
      predicted.forEach((p, pi) => {
        if (typed && g.type !== p.type) return;
        const overlap = iou(g, p);
        if (overlap >= MIN_IOU) pairs.push({ g: gi, p: pi, overlap });
      });
    });
    pairs.sort((a, b) => b.overlap - a.overlap);
    const goldUsed = new Set<number>();
    const predUsed = new Set<number>();
    for (const { g, p } of pairs) {
      if (goldUsed.has(g) || predUsed.has(p)) continue;
      goldUsed.add(g);
      predUsed.add(p);
      bump(gold[g]!.type, "tp");
    }
    gold.forEach((g, gi) => {
      if (!goldUsed.has(gi)) bump(g.type, "fn");
    });
    predicted.forEach((p, pi) => {
      if (!predUsed.has(pi)) bump(p.type, "fp");
    });
  }
  const perType: Record<string, Scores> = {};
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [type, c] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    perType[type] = scores(c.tp, c.fp, c.fn);
    tp += c.tp;
    fp += c.fp;
    fn += c.fn;
  }
  return { perType, micro: scores(tp, fp, fn) };
}
