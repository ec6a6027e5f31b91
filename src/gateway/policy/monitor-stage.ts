// The drift monitor's stage (docs/monitoring.md): hands each request's prompt and answer text to the
// monitor's queue when the request is over. No work on the request path beyond keeping references:
// features (lengths, language, token buckets, refusal) are computed by the monitor when it writes its
// batch, and the text is never stored. Registered last, so it sees the upstream's answer first.
import { type FeatureInput, promptText } from "../../monitor/drift/features.js";
import { keepJsonAnswer, keepStreamAnswer, keptAnswerText } from "./kept-answer.js";
import type { PolicyRequest, PolicyStage, RequestOutcome, StreamWatcher } from "./types.js";

export type FeatureSink = (input: FeatureInput) => void;

export class MonitorStage implements PolicyStage {
  readonly name = "monitor";

  constructor(private readonly sink: FeatureSink) {}

  afterJson(request: PolicyRequest, _text: string, json: Record<string, unknown>): undefined {
    if (request.route !== "/v1/embeddings") keepJsonAnswer(request, this.name, json);
    return undefined;
  }

  watchStream(request: PolicyRequest): StreamWatcher {
    return keepStreamAnswer(request, this.name);
  }

  settle(request: PolicyRequest, outcome: RequestOutcome): void {
    this.sink(new FinishedRequest(request, this.name, outcome.status));
  }
}

/**
 * One finished request as the monitor's batch reads it. Text is extracted lazily in that batch; this
 * only holds references. A class with prototype getters, not an object literal with `get prompt()`:
 * V8 allocates a literal's accessor pairs in the old generation, which kept every queued request's
 * body alive until the next full collection.
 */
class FinishedRequest implements FeatureInput {
  readonly id: string;
  readonly at = new Date();
  readonly model: string | null;
  readonly promptTokens: number | null;
  readonly outputTokens: number | null;

  constructor(
    private readonly request: PolicyRequest,
    private readonly key: string,
    readonly status: number,
  ) {
    const { context } = request;
    this.id = request.id;
    this.model = context.resolved ?? context.model;
    this.promptTokens = context.promptTokens;
    this.outputTokens = context.completionTokens;
  }

  get prompt(): string {
    return promptText(this.request.body.json);
  }

  get output(): string | null {
    return keptAnswerText(this.request, this.key, this.status);
  }
}
