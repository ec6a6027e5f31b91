// Convergence monitoring: pure functions over the metric stream (no I/O, no clock), so every rule
// is unit-tested by feeding numbers. The training loop turns detections into run events and, when
// `stop` is set, ends the run early.

export interface MonitorConfig {
  /** Steps before spike/plateau/divergence-by-growth rules apply (warm-up noise). */
  warmupSteps: number;
  /** Smoothing of the train-loss EMA the rules compare against (0 < alpha ≤ 1). */
  emaAlpha: number;
  /** A loss spike: loss > ema · (1 + spikeRatio). */
  spikeRatio: number;
  /** Divergence by growth: ema > lowest ema · divergeRatio for `divergePatience` steps in a row. */
  divergeRatio: number;
  divergePatience: number;
  /** A plateau: the EMA improved by less than plateauMinDelta (relative) over plateauWindow steps. */
  plateauWindow: number;
  plateauMinDelta: number;
  /** Overfitting: val loss rose at `overfitPatience` evaluations in a row while train EMA fell. */
  overfitPatience: number;
  /** Early stop on these conditions (divergence always stops: the weights are lost). */
  stopOnPlateau: boolean;
  stopOnOverfit: boolean;
}

export const defaultMonitorConfig: MonitorConfig = {
  warmupSteps: 10,
  emaAlpha: 0.1,
  spikeRatio: 0.5,
  divergeRatio: 1.5,
  divergePatience: 5,
  plateauWindow: 100,
  plateauMinDelta: 0.01,
  overfitPatience: 3,
  stopOnPlateau: false,
  stopOnOverfit: false,
};

export type DetectionKind = "divergence" | "loss_spike" | "plateau" | "overfitting";

export interface Detection {
  kind: DetectionKind;
  severity: "warning" | "error";
  step: number;
  message: string;
  details: Record<string, number>;
}

export interface MonitorState {
  ema: number | null;
  minEma: number;
  aboveCount: number; // consecutive steps with ema > minEma · divergeRatio
  inSpike: boolean;
  windowStartStep: number;
  windowStartEma: number;
  evals: { step: number; loss: number; trainEma: number }[];
  risingEvals: number;
  overfitReported: boolean;
  stopped: boolean;
}

export function initialMonitorState(): MonitorState {
  return {
    ema: null,
    minEma: Number.POSITIVE_INFINITY,
    aboveCount: 0,
    inSpike: false,
    windowStartStep: 0,
    windowStartEma: Number.NaN,
    evals: [],
    risingEvals: 0,
    overfitReported: false,
    stopped: false,
  };
}

export interface Observation {
  state: MonitorState;
  detections: Detection[];
  stop: boolean;
}

/** Feeds one training step (loss before the update, pre-clip gradient norm). */
export function observeTrainStep(
  prev: MonitorState,
  cfg: MonitorConfig,
  m: { step: number; loss: number; gradNorm?: number },
): Observation {
  const s: MonitorState = { ...prev, evals: prev.evals };
  const out: Detection[] = [];
  const { step, loss } = m;
  if (!Number.isFinite(loss) || (m.gradNorm !== undefined && !Number.isFinite(m.gradNorm))) {
    const what = !Number.isFinite(loss) ? `loss is ${loss}` : `gradient norm is ${m.gradNorm}`;
    out.push({
      kind: "divergence",
      severity: "error",
      step,
      message: `${what} at step ${step}: training diverged (lower the learning rate or raise warm-up)`,
      details: { loss, gradNorm: m.gradNorm ?? Number.NaN },
    });
    s.stopped = true;
    return { state: s, detections: out, stop: true };
  }
  const ema = s.ema === null ? loss : s.ema + cfg.emaAlpha * (loss - s.ema);
  const warm = step > cfg.warmupSteps;
  if (warm && s.ema !== null) {
    // Spike: compared against the EMA before this step; reported once per episode.
    if (loss > s.ema * (1 + cfg.spikeRatio)) {
      if (!s.inSpike)
        out.push({
          kind: "loss_spike",
          severity: "warning",
          step,
          message: `loss ${loss.toFixed(4)} at step ${step} is ${((loss / s.ema - 1) * 100).toFixed(0)}% above its recent average ${s.ema.toFixed(4)}`,
          details: { loss, ema: s.ema },
        });
      s.inSpike = true;
    } else s.inSpike = false;
  }
  s.ema = ema;
  if (warm) {
    s.minEma = Math.min(s.minEma, ema);
    s.aboveCount = ema > s.minEma * cfg.divergeRatio ? s.aboveCount + 1 : 0;
    if (s.aboveCount >= cfg.divergePatience) {
      out.push({
        kind: "divergence",
        severity: "error",
        step,
        message: `loss average ${ema.toFixed(4)} has stayed above ${cfg.divergeRatio}× its best (${s.minEma.toFixed(4)}) for ${s.aboveCount} steps: training diverged (lower the learning rate)`,
        details: { ema, minEma: s.minEma },
      });
      s.stopped = true;
      return { state: s, detections: out, stop: true };
    }
    if (Number.isNaN(s.windowStartEma)) {
      s.windowStartEma = ema;
      s.windowStartStep = step;
    } else if (step - s.windowStartStep >= cfg.plateauWindow) {
      const gain = (s.windowStartEma - ema) / Math.abs(s.windowStartEma);
      if (gain < cfg.plateauMinDelta) {
        out.push({
          kind: "plateau",
          severity: "warning",
          step,
          message: `loss improved by ${(gain * 100).toFixed(2)}% over the last ${step - s.windowStartStep} steps (below ${(cfg.plateauMinDelta * 100).toFixed(2)}%): a plateau`,
          details: { from: s.windowStartEma, to: ema, window: step - s.windowStartStep },
        });
        if (cfg.stopOnPlateau) s.stopped = true;
      }
      s.windowStartEma = ema;
      s.windowStartStep = step;
    }
  }
  return { state: s, detections: out, stop: s.stopped };
}

/** Feeds one evaluation (validation loss at `step`). */
export function observeEval(prev: MonitorState, cfg: MonitorConfig, m: { step: number; loss: number }): Observation {
  const s: MonitorState = { ...prev };
  const out: Detection[] = [];
  if (!Number.isFinite(m.loss)) {
    out.push({
      kind: "divergence",
      severity: "error",
      step: m.step,
      message: `validation loss is ${m.loss} at step ${m.step}: training diverged`,
      details: { valLoss: m.loss },
    });
    s.stopped = true;
    return { state: s, detections: out, stop: true };
  }
  const trainEma = s.ema ?? Number.NaN;
  const last = s.evals.at(-1);
  s.evals = [...s.evals, { step: m.step, loss: m.loss, trainEma }].slice(-(cfg.overfitPatience + 1));
  s.risingEvals = last && m.loss > last.loss ? s.risingEvals + 1 : 0;
  const first = s.evals[0];
  if (s.risingEvals >= cfg.overfitPatience && first && trainEma < first.trainEma && !s.overfitReported) {
    out.push({
      kind: "overfitting",
      severity: "warning",
      step: m.step,
      message: `validation loss rose at ${s.risingEvals} evaluations in a row (${first.loss.toFixed(4)} → ${m.loss.toFixed(4)}) while training loss fell (${first.trainEma.toFixed(4)} → ${trainEma.toFixed(4)}): overfitting`,
      details: { valFrom: first.loss, valTo: m.loss, trainFrom: first.trainEma, trainTo: trainEma },
    });
    s.overfitReported = true;
    if (cfg.stopOnOverfit) s.stopped = true;
  }
  return { state: s, detections: out, stop: s.stopped };
}
