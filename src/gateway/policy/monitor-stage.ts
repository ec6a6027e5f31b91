// The drift monitor's stage (docs/monitoring.md): hands each request's prompt and answer text to the
// monitor's queue when the request is over. No work on the request path beyond keeping references:
// features (lengths, language, token buckets, refusal) are computed by the monitor when it writes its
// batch, and the text is never stored. Registered last, so it sees the upstream's answer first.
import type { FeatureInput } from "../../monitor/drift/features.js";
import { answerText, deltaText, promptText } from "../../monitor/drift/features.js";
import type { PolicyRequest, PolicyStage, RequestOutcome, StreamWatcher } from "./types.js";

export type FeatureSink = (input: FeatureInput) => void;

export class MonitorStage implements PolicyStage {
  readonly name = "monitor";

  constructor(private readonly sink: FeatureSink) {}

  afterJson(request: PolicyRequest, _text: string, json: Record<string, unknown>): undefined {
    if (request.route !== "/v1/embeddings") request.state.set(this.name, json);
    return undefined;
  }

  watchStream(request: PolicyRequest): StreamWatcher {
    const events: Record<string, unknown>[] = [];
    request.state.set(this.name, events);
    return {
      chunk(chunk) {
        for (const event of chunk.events) events.push(event);
        return undefined;
      },
      end() {},
    };
  }

  settle(request: PolicyRequest, outcome: RequestOutcome): void {
    const answer = request.state.get(this.name);
    const json = request.body.json;
    const context = request.context;
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
        if (Array.isArray(answer)) return (answer as Record<string, unknown>[]).map(deltaText).join("");
        return answer !== undefined && outcome.status < 400 ? answerText(answer as Record<string, unknown>) : null;
      },
      outputTokens: context.completionTokens,
    });
  }
}
