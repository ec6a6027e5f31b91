// Integrated gradients (Sundararajan et al. 2017) on the input embeddings: the baseline is the
// all-zero embedding for every prompt token (BOS and the target keep theirs), the path is the
// straight line x(α) = α·x, and a token's score is x · ∫₀¹ ∂f/∂x(α) dα summed over the embedding
// dimensions. Completeness — the scores sum to f(x) − f(baseline) — is checked and reported.
//
// The integral is taken with the trapezoid (or left Riemann) rule on an ADAPTIVE grid. Llama models
// normalise their input (RMSNorm), so f(α·x) hardly changes for most α and then changes steeply
// close to α = 0 (where α²·mean(x²) approaches the norm's ε): a uniform grid of 32 steps measured
// sums of −50.7 nats for a true difference of 0.12 on a test model. Each interval [a, b] knows its own
// exact integral, f(b) − f(a), so the grid starts uniform and the intervals whose rule estimate
// misses it most are halved (8 at a time, one batched pass) until the total miss is within the
// tolerance or `steps` intervals are used. The reported check is the honest final error.
import type {
  AttributeOptions,
  AttributionOutput,
  Attributor,
  AttributorContext,
  CheckResult,
  GradientModel,
} from "../types.js";
import { needGradients, toFeatures } from "./gradient-common.js";

export const IG_DEFAULT_STEPS = 64;
export const COMPLETENESS_TOLERANCE = 0.01;
/** Below this |f(x) − f(baseline)| (nats) the tolerance is absolute: 1% of 0.1 nats. */
const SMALL_DELTA = 0.1;
const SPLITS_PER_PASS = 8;

export type IntegrationRule = "trapezoid" | "riemann";

interface Point {
  alpha: number;
  f: number;
  perToken: number[];
  /** d f(α·x) / dα = Σ_t perToken[t]. */
  slope: number;
}

export interface IgResult {
  tokenScores: number[];
  intervals: number;
  fx: number;
  f0: number;
}

function estimate(a: Point, b: Point, rule: IntegrationRule): number {
  const h = b.alpha - a.alpha;
  return rule === "trapezoid" ? ((a.slope + b.slope) / 2) * h : a.slope * h;
}

export async function adaptiveIg(g: GradientModel, maxSteps: number, rule: IntegrationRule): Promise<IgResult> {
  const evaluate = async (alphas: number[]): Promise<Point[]> => {
    const r = await g.gradDotInput(alphas);
    return alphas.map((alpha, k) => {
      const perToken = r.perToken[k] as number[];
      return { alpha, f: r.values[k] as number, perToken, slope: perToken.reduce((x, y) => x + y, 0) };
    });
  };
  // Start uniform, plus a geometric run towards 0 (2^-4 … 2^-12) where the steep part usually is.
  const initial = Math.max(1, Math.min(maxSteps, 8));
  const start = new Set(Array.from({ length: initial + 1 }, (_, k) => k / initial));
  for (let k = 4; k <= 12 && start.size <= maxSteps; k += 1) start.add(2 ** -k);
  let points = await evaluate([...start].sort((a, b) => a - b));
  const fx = (points[points.length - 1] as Point).f;
  const f0 = (points[0] as Point).f;
  const allowed = COMPLETENESS_TOLERANCE * Math.max(Math.abs(fx - f0), SMALL_DELTA);
  while (points.length - 1 < maxSteps) {
    const misses = points.slice(1).map((b, i) => {
      const a = points[i] as Point;
      return { i, miss: Math.abs(estimate(a, b, rule) - (b.f - a.f)) };
    });
    const total = misses.reduce((s, m) => s + m.miss, 0);
    if (total <= allowed / 2) break;
    const room = maxSteps - (points.length - 1);
    const worst = misses.sort((x, y) => y.miss - x.miss).slice(0, Math.min(SPLITS_PER_PASS, room));
    const mids = worst.map(({ i }) => ((points[i] as Point).alpha + (points[i + 1] as Point).alpha) / 2);
    points = [...points, ...(await evaluate(mids))].sort((x, y) => x.alpha - y.alpha);
  }
  const tokens = (points[0] as Point).perToken.length;
  const tokenScores = new Array<number>(tokens).fill(0);
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i] as Point;
    const b = points[i + 1] as Point;
    const h = b.alpha - a.alpha;
    for (let t = 0; t < tokens; t++) {
      const w =
        rule === "trapezoid" ? ((a.perToken[t] as number) + (b.perToken[t] as number)) / 2 : (a.perToken[t] as number);
      tokenScores[t] = (tokenScores[t] as number) + w * h;
    }
  }
  return { tokenScores, intervals: points.length - 1, fx, f0 };
}

export function integratedGradientsWith(rule: IntegrationRule): Attributor {
  return {
    name: rule === "trapezoid" ? "ig" : "ig-riemann",
    kind: "gradient",
    description: `integrated gradients on input embeddings (zero baseline, adaptive ${rule} rule, --samples = most steps, default ${IG_DEFAULT_STEPS}); completeness checked`,
    plannedCalls: () => 0,
    minimumCalls: () => 0,
    async attribute(context: AttributorContext, options: AttributeOptions): Promise<AttributionOutput> {
      const g = needGradients(context, "ig");
      const n = context.coalitions.features.length;
      const steps = Math.max(1, options.samples ?? IG_DEFAULT_STEPS);
      const r = await adaptiveIg(g, steps, rule);
      const expected = r.fx - r.f0;
      const actual = r.tokenScores.reduce((a, b) => a + b, 0);
      const relativeError = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-9);
      const completeness: CheckResult = {
        ok: Math.abs(actual - expected) <= COMPLETENESS_TOLERANCE * Math.max(Math.abs(expected), SMALL_DELTA),
        description: `sum of attributions = f(x) − f(zero-embedding baseline); ${r.intervals} adaptive ${rule} steps (1% of the difference, or 0.001 nats when it is under 0.1)`,
        actual,
        expected,
        relativeError,
        tolerance: COMPLETENESS_TOLERANCE,
      };
      const notes = completeness.ok
        ? []
        : [
            `Completeness is off by ${(relativeError * 100).toFixed(2)}% after ${r.intervals} steps; raise --samples (the most steps) for a more exact integral.`,
          ];
      return {
        scores: toFeatures(r.tokenScores, g.tokenFeature, n),
        samplesUsed: r.intervals + 1,
        checks: { completeness },
        notes,
      };
    },
  };
}

export const integratedGradients = integratedGradientsWith("trapezoid");
