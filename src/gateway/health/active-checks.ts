// Active health checks: every intervalMs, a GET of `path` (relative to each upstream's base URL;
// default /models, which every OpenAI-compatible server answers) on every upstream the gateway
// has routed to recently. A failed check opens the upstream's circuit at once (ejection without
// waiting for a client to hit it); a passing check closes it (re-admission as soon as a restarted
// worker answers, without waiting for the open period to end). Upstreams not seen in a resolution
// for forgetAfterMs are dropped, so workers that left the pool stop being probed.
import type { FastifyBaseLogger } from "fastify";
import type { Upstream } from "../types.js";
import type { UpstreamClient } from "../upstream-client.js";
import type { HealthTracker } from "./circuit-breaker.js";

export interface ActiveCheckOptions {
  /** Time between rounds; 0 disables active checks (default 5 000 ms). */
  intervalMs: number;
  /** Path appended to the upstream's base URL (default `/models`). */
  path: string;
  /** A check that takes longer fails (default 2 000 ms). */
  timeoutMs: number;
  /** Stop probing upstreams no request has resolved to for this long (default 10 min). */
  forgetAfterMs?: number;
}

interface Watched {
  upstream: Upstream;
  lastSeen: number;
}

export class ActiveHealthChecker {
  private readonly watched = new Map<string, Watched>();
  private readonly seenLists = new WeakSet<readonly Upstream[]>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly options: ActiveCheckOptions,
    private readonly client: UpstreamClient,
    private readonly health: HealthTracker,
    private readonly log: FastifyBaseLogger,
  ) {}

  get enabled(): boolean {
    return this.options.intervalMs > 0;
  }

  /**
   * Remembers the upstreams of a resolution. Resolutions are cached and shared between requests, so
   * each list is walked once; the per-request cost is one WeakSet lookup.
   */
  watch(upstreams: readonly Upstream[]): void {
    if (!this.enabled || this.seenLists.has(upstreams)) return;
    this.seenLists.add(upstreams);
    const now = Date.now();
    for (const upstream of upstreams) {
      const entry = this.watched.get(upstream.id);
      if (entry === undefined) this.watched.set(upstream.id, { upstream, lastSeen: now });
      else {
        entry.upstream = upstream;
        entry.lastSeen = now;
      }
    }
    this.start();
  }

  start(): void {
    if (!this.enabled || this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.running === undefined) {
        this.running = this.checkAll().finally(() => {
          this.running = undefined;
        });
      }
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round over every watched upstream (also what the timer runs). */
  async checkAll(): Promise<void> {
    const forgetBefore = Date.now() - (this.options.forgetAfterMs ?? 600_000);
    const checks: Promise<void>[] = [];
    for (const [id, entry] of this.watched) {
      if (entry.lastSeen < forgetBefore) {
        this.watched.delete(id);
        this.health.forget(id);
        continue;
      }
      checks.push(this.check(entry.upstream));
    }
    await Promise.all(checks);
  }

  private async check(upstream: Upstream): Promise<void> {
    let status: number;
    try {
      status = await this.client.probe(upstream, this.options.path, this.options.timeoutMs);
    } catch (error) {
      if (this.health.state(upstream.id) === "closed") {
        this.log.warn(
          { upstream: upstream.id, cause: error instanceof Error ? error.message : String(error) },
          "active health check failed; ejecting the upstream",
        );
      }
      this.health.failure(upstream.id, "active");
      return;
    }
    if (status >= 200 && status < 300) this.health.success(upstream.id, "active check passed");
    else if (status >= 500) this.health.failure(upstream.id, "active");
    // 4xx (e.g. a cloud API that wants other auth for /models) says the server is up: no verdict.
  }
}
