// The final answer of a request, kept by a stage for its settle step: the JSON body, or the events
// of a stream as they pass. Shared by the stages that read the answer's text after the request
// (drift monitoring, capture); they keep references only and read the text later, in a batch.
import { answerText, deltaText } from "../../monitor/drift/features.js";
import type { PolicyRequest, StreamWatcher } from "./types.js";

export function keepJsonAnswer(request: PolicyRequest, key: string, json: Record<string, unknown>): void {
  request.state.set(key, json);
}

/** A watcher that collects the stream's events under `key` (collects nothing when `keep` is false). */
export function keepStreamAnswer(request: PolicyRequest, key: string, keep = true): StreamWatcher {
  const events: Record<string, unknown>[] = [];
  if (keep) request.state.set(key, events);
  return {
    chunk(chunk) {
      if (keep) for (const event of chunk.events) events.push(event);
      return undefined;
    },
    end() {},
  };
}

/** The kept answer's text: the stream's deltas joined, or the JSON's first choice; null for an error or none. */
export function keptAnswerText(request: PolicyRequest, key: string, status: number): string | null {
  const answer = request.state.get(key);
  if (Array.isArray(answer)) return (answer as Record<string, unknown>[]).map(deltaText).join("");
  return answer !== undefined && status < 400 ? answerText(answer as Record<string, unknown>) : null;
}
