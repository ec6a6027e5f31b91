// The capture stage (`capture:`, docs/gateway-policy.md): for a sampled share of requests, hands the
// prompt and the final answer (JSON, or the assembled stream) to the capture writer when the request
// is over. Like the monitor stage it only keeps references here; the text is read, redacted and
// truncated in the writer's batch (src/monitor/bodies.ts). Embeddings are not captured.
import type { CaptureInput } from "../../monitor/bodies.js";
import { promptText } from "../../monitor/drift/features.js";
import { keepJsonAnswer, keepStreamAnswer, keptAnswerText } from "./kept-answer.js";
import type { PolicyRequest, PolicyStage, RequestOutcome, StreamWatcher } from "./types.js";

export type CaptureSink = (input: CaptureInput) => void;

export interface CaptureStageOptions {
  sink: CaptureSink;
  /** Share of requests captured, 0–1. */
  sampleRate: number;
  /** Injected for tests; Math.random otherwise. */
  random?: () => number;
}

export class CaptureStage implements PolicyStage {
  readonly name = "capture";
  private readonly random: () => number;

  constructor(private readonly options: CaptureStageOptions) {
    this.random = options.random ?? Math.random;
  }

  private sampled(request: PolicyRequest): boolean {
    if (request.route === "/v1/embeddings") return false;
    // Decided once per request, so the JSON and stream paths agree with settle.
    let chosen = request.state.get(`${this.name}:sampled`);
    if (chosen === undefined) {
      chosen = this.options.sampleRate >= 1 || this.random() < this.options.sampleRate;
      request.state.set(`${this.name}:sampled`, chosen);
    }
    return chosen === true;
  }

  afterJson(request: PolicyRequest, _text: string, json: Record<string, unknown>): undefined {
    if (this.sampled(request)) keepJsonAnswer(request, this.name, json);
    return undefined;
  }

  watchStream(request: PolicyRequest): StreamWatcher {
    return keepStreamAnswer(request, this.name, this.sampled(request));
  }

  settle(request: PolicyRequest, outcome: RequestOutcome): void {
    if (!this.sampled(request)) return;
    this.options.sink(new CapturedRequest(request, this.name, outcome.status));
  }
}

/** A sampled request as the capture writer reads it; a class for the reason given in monitor-stage.ts. */
class CapturedRequest implements CaptureInput {
  readonly id: string;
  readonly at = new Date();

  constructor(
    private readonly request: PolicyRequest,
    private readonly key: string,
    private readonly status: number,
  ) {
    this.id = request.id;
  }

  get prompt(): string {
    return promptText(this.request.body.json);
  }

  get response(): string | null {
    return keptAnswerText(this.request, this.key, this.status);
  }
}
