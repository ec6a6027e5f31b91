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
    const json = request.body.json;
    const context = request.context;
    const key = this.name;
    // Text is extracted lazily in the monitor's batch; these closures only hold references.
    this.sink({
      id: request.id,
      at: new Date(),
      model: context.resolved ?? context.model,
      status: outcome.status,
      get prompt() {
        return promptText(json);
      },
      promptTokens: context.promptTokens,
      get output() {
        return keptAnswerText(request, key, outcome.status);
      },
      outputTokens: context.completionTokens,
    });
  }
}
