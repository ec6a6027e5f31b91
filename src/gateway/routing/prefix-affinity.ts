import type { Upstream } from "../types.js";
import { fnv1a } from "./prefix.js";
import type { PickContext, RoutingStrategy, StrategyOptions } from "./strategy.js";

interface Ring {
  points: Uint32Array; // sorted hash points
  owners: Uint16Array; // index into the candidates array of each point
}

/**
 * Prefix affinity: consistent hashing of the prompt prefix onto a ring of upstreams, with bounded
 * loads (Mirrokni, Thorup, Zadimoghaddam, "Consistent Hashing with Bounded Loads", 2017). A prefix
 * goes to the first upstream clockwise from its hash whose load is below c × the average load
 * (c = loadFactor, default 1.25), so repeated prefixes reach the worker that holds their KV cache,
 * while a hot prefix spills over to the next upstreams on the ring instead of overloading one.
 * Adding or removing an upstream only moves the prefixes that hashed to it. Requests without a
 * prompt (empty prefix) fall back to the least-loaded upstream.
 */
export class PrefixAffinityStrategy implements RoutingStrategy {
  readonly name = "prefix-affinity";
  readonly usesPrefix = true;
  readonly prefixChars: number;
  private readonly loadFactor: number;
  private readonly virtualNodes: number;
  // Candidate arrays are stable between resolutions (the router caches them), so the ring is built
  // once per array, not per request; failover arrays are new and get their own short-lived ring.
  private readonly rings = new WeakMap<readonly Upstream[], Ring>();
  // Scratch "already checked" flags, reused across picks (pick is synchronous).
  private seen = new Uint8Array(16);

  constructor(options: StrategyOptions = {}) {
    this.prefixChars = Math.max(1, Math.floor(options.prefixChars ?? 1024));
    this.loadFactor = Math.max(1, options.loadFactor ?? 1.25);
    this.virtualNodes = Math.min(1000, Math.max(1, Math.floor(options.virtualNodes ?? 100)));
  }

  pick(candidates: readonly Upstream[], context: PickContext): Upstream {
    const count = candidates.length;
    if (count === 1) return candidates[0]!;
    const load = context.load;
    let total = 1; // the request being placed
    for (const upstream of candidates) total += load.inFlight(upstream.id);
    const capacity = Math.ceil((this.loadFactor * total) / count);
    const prefix = context.prefix;
    if (prefix === undefined || prefix === "") return leastLoaded(candidates, context);

    const ring = this.ringOf(candidates);
    const points = ring.points;
    let at = lowerBound(points, fnv1a(prefix));
    // Walk clockwise; each upstream is checked once. One with load < capacity always exists,
    // because capacity ≥ the average load and not every upstream can be above the average.
    if (this.seen.length < count) this.seen = new Uint8Array(count * 2);
    const seen = this.seen;
    seen.fill(0, 0, count);
    let checked = 0;
    for (let step = 0; step < points.length && checked < count; step++, at++) {
      if (at >= points.length) at = 0;
      const index = ring.owners[at]!;
      if (seen[index] === 1) continue;
      seen[index] = 1;
      checked++;
      const upstream = candidates[index]!;
      if (load.inFlight(upstream.id) + 1 <= capacity) return upstream;
    }
    return leastLoaded(candidates, context);
  }

  private ringOf(candidates: readonly Upstream[]): Ring {
    let ring = this.rings.get(candidates);
    if (ring === undefined) {
      ring = buildRing(candidates, this.virtualNodes);
      this.rings.set(candidates, ring);
    }
    return ring;
  }
}

function buildRing(candidates: readonly Upstream[], virtualNodes: number): Ring {
  const entries: Array<[number, number]> = [];
  candidates.forEach((upstream, index) => {
    // Points depend on the upstream's id only, so every gateway instance builds the same ring.
    for (let v = 0; v < virtualNodes; v++) entries.push([fnv1a(`${upstream.id}#${v}`), index]);
  });
  entries.sort((x, y) => x[0] - y[0]);
  return {
    points: Uint32Array.from(entries, (entry) => entry[0]),
    owners: Uint16Array.from(entries, (entry) => entry[1]),
  };
}

/** First index whose point is ≥ hash (wraps to 0 past the end). */
function lowerBound(points: Uint32Array, hash: number): number {
  let low = 0;
  let high = points.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (points[mid]! < hash) low = mid + 1;
    else high = mid;
  }
  return low === points.length ? 0 : low;
}

function leastLoaded(candidates: readonly Upstream[], context: PickContext): Upstream {
  let best = candidates[0]!;
  let bestLoad = context.load.inFlight(best.id);
  for (let i = 1; i < candidates.length; i++) {
    const load = context.load.inFlight(candidates[i]!.id);
    if (load < bestLoad) {
      best = candidates[i]!;
      bestLoad = load;
    }
  }
  return best;
}
