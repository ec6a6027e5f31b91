// The autoscaling recommender: from load signals (requests in flight and queued, time to first
// token, tokens/s per worker) it computes how many workers a model needs, with the hysteresis
// Kubernetes' HPA uses — scale up at once (bounded per step), scale down only to the highest
// recommendation of the last stabilisation window and one step at a time — so a noisy signal or
// a short spike does not make replicas flap. Pure and clock-free: callers pass the time.

export interface LoadSample {
  /** Seconds since any fixed origin (monotonic). */
  at: number;
  /** Workers serving the model now. */
  replicas: number;
  /** Requests being generated across the model's workers. */
  inFlight: number;
  /** Requests waiting for a slot (gateway or worker queues). */
  queued: number;
  /** p95 time to first token over the last interval, seconds (null when there was no traffic). */
  ttftP95: number | null;
  /** Completion tokens per second per worker over the last interval (null when unknown). */
  tokensPerSecondPerWorker?: number | null;
}

export interface ScalePolicy {
  minReplicas: number;
  maxReplicas: number;
  /** Concurrent requests one worker serves well (1 for a single-slot CPU worker). */
  targetInFlightPerWorker: number;
  /** Time-to-first-token objective, seconds; breaching it asks for more workers even at target load. */
  ttftSloSeconds: number;
  /** Ignore load changes within this fraction of the target (HPA's tolerance). */
  tolerance: number;
  /** Largest scale-up per decision, as a factor of current replicas (HPA: 100% → 2×). */
  maxScaleUpFactor: number;
  /** A scale-down uses the highest recommendation over this many seconds (HPA default 300). */
  scaleDownStabilizationSeconds: number;
  /** At most this many replicas removed per decision. */
  maxScaleDownStep: number;
}

export const DEFAULT_SCALE_POLICY: ScalePolicy = {
  minReplicas: 1,
  maxReplicas: 20,
  targetInFlightPerWorker: 1,
  ttftSloSeconds: 2,
  tolerance: 0.1,
  maxScaleUpFactor: 2,
  scaleDownStabilizationSeconds: 300,
  maxScaleDownStep: 1,
};

export interface ScaleAdvice {
  at: number;
  current: number;
  /** What the load alone asks for, before hysteresis and bounds. */
  raw: number;
  /** The replica count to run now. */
  desired: number;
  reason: string;
}

export class ScaleRecommender {
  private readonly history: { at: number; raw: number }[] = [];
  private lastDesired: number | undefined;

  constructor(private readonly policy: ScalePolicy = DEFAULT_SCALE_POLICY) {
    if (policy.minReplicas < 0 || policy.maxReplicas < Math.max(1, policy.minReplicas)) {
      throw new RangeError("need 0 ≤ minReplicas ≤ maxReplicas and maxReplicas ≥ 1");
    }
    if (!(policy.targetInFlightPerWorker > 0)) throw new RangeError("targetInFlightPerWorker must be > 0");
  }

  /** What the load asks for on its own. */
  rawDesired(sample: LoadSample): { replicas: number; reason: string } {
    const { policy } = this;
    const current = Math.max(1, sample.replicas);
    const demand = sample.inFlight + sample.queued;
    const ratio = demand / (current * policy.targetInFlightPerWorker);
    let replicas = current;
    let reason = `load ${demand} in flight+queued on ${sample.replicas} workers is within ${Math.round(policy.tolerance * 100)}% of target`;
    if (Math.abs(ratio - 1) > policy.tolerance + 1e-9) {
      replicas = Math.ceil(demand / policy.targetInFlightPerWorker);
      reason = `load ${demand} in flight+queued at ${policy.targetInFlightPerWorker} per worker`;
    }
    if (sample.ttftP95 !== null && sample.ttftP95 > policy.ttftSloSeconds && sample.queued > 0) {
      // Queued requests are what makes TTFT exceed its objective: add workers in proportion.
      const bySlo = Math.ceil(current * Math.min(policy.maxScaleUpFactor, sample.ttftP95 / policy.ttftSloSeconds));
      if (bySlo > replicas) {
        replicas = bySlo;
        reason = `p95 TTFT ${sample.ttftP95.toFixed(2)} s over the ${policy.ttftSloSeconds} s objective with ${sample.queued} queued`;
      }
    }
    if (demand === 0 && (sample.ttftP95 === null || sample.ttftP95 <= policy.ttftSloSeconds)) {
      replicas = policy.minReplicas;
      reason = "no traffic";
    }
    return { replicas, reason };
  }

  /** Feeds one sample and returns the advice for now. */
  observe(sample: LoadSample): ScaleAdvice {
    const { policy } = this;
    const current = this.lastDesired ?? sample.replicas;
    const { replicas: raw, reason } = this.rawDesired(sample);
    const bounded = Math.min(policy.maxReplicas, Math.max(policy.minReplicas, raw));
    this.history.push({ at: sample.at, raw: bounded });
    while (this.history.length > 0 && this.history[0]!.at < sample.at - policy.scaleDownStabilizationSeconds) {
      this.history.shift();
    }

    let desired = current;
    let why = reason;
    if (bounded > current) {
      desired = Math.min(bounded, Math.max(current + 1, Math.ceil(Math.max(1, current) * policy.maxScaleUpFactor)));
      if (desired < bounded) why += ` (scale-up limited to ×${policy.maxScaleUpFactor} per step)`;
    } else if (bounded < current) {
      // Hysteresis: only as low as the highest recommendation in the stabilisation window.
      const floor = Math.max(...this.history.map((h) => h.raw));
      const target = Math.max(bounded, floor);
      desired = Math.max(target, current - policy.maxScaleDownStep);
      if (desired === current)
        why = `holding ${current}: load was higher within the last ${policy.scaleDownStabilizationSeconds} s`;
      else why += ` (scaling down one step at a time)`;
    }
    desired = Math.min(policy.maxReplicas, Math.max(policy.minReplicas, desired));
    this.lastDesired = desired;
    return { at: sample.at, current: sample.replicas, raw, desired, reason: why };
  }
}
