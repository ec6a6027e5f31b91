// A small OpenAI-compatible server for gateway tests: real HTTP (Fastify on loopback), chat and text
// completions (JSON and SSE with usage) and embeddings. The last message (or prompt) steers it:
// "say:TEXT" answers TEXT, anything else answers "echo: <prompt>"; "delay:N" waits N ms first.
// Embeddings are a bag of hashed lower-case words, so rewordings of a sentence are close in cosine
// similarity and unrelated sentences are not — enough to exercise a semantic cache for real.
import Fastify, { type FastifyReply } from "fastify";

export interface FixtureOptions {
  promptTokens?: number;
  completionTokens?: number;
  dims?: number;
}

export interface OpenAiFixture {
  baseUrl: string;
  /** Requests per route (`chat`, `text`, `embeddings`). */
  hits: { chat: number; text: number; embeddings: number };
  /** Bodies received, newest last. */
  bodies: Record<string, unknown>[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function lastText(body: Record<string, unknown>): string {
  const messages = body.messages;
  if (Array.isArray(messages)) {
    const last = messages[messages.length - 1] as { content?: unknown } | undefined;
    return typeof last?.content === "string" ? last.content : "";
  }
  return typeof body.prompt === "string" ? body.prompt : "";
}

export function bagOfWords(text: string, dims: number): number[] {
  const vector = new Array<number>(dims).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    let hash = 2166136261;
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 16777619);
    vector[(hash >>> 0) % dims]! += 1;
  }
  return vector;
}

export async function startOpenAiFixture(options: FixtureOptions = {}): Promise<OpenAiFixture> {
  const app = Fastify();
  const usage = {
    prompt_tokens: options.promptTokens ?? 7,
    completion_tokens: options.completionTokens ?? 3,
    total_tokens: (options.promptTokens ?? 7) + (options.completionTokens ?? 3),
  };
  const dims = options.dims ?? 64;
  const state: OpenAiFixture = {
    baseUrl: "",
    hits: { chat: 0, text: 0, embeddings: 0 },
    bodies: [],
    close: () => app.close(),
  };

  const complete = async (kind: "chat" | "text", body: Record<string, unknown>, reply: FastifyReply) => {
    state.hits[kind]++;
    state.bodies.push(body);
    const prompt = lastText(body);
    const delay = Number(/delay:(\d+)/.exec(prompt)?.[1] ?? 0);
    if (delay > 0) await sleep(delay);
    const said = /say:(.*)$/s.exec(prompt);
    const content = said ? said[1]! : `echo: ${prompt}`;
    const model = String(body.model);
    if (body.stream === true) {
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { "content-type": "text/event-stream" });
      const pieces = content.match(/.{1,8}/gs) ?? [""];
      const event = (choice: Record<string, unknown>) =>
        `data: ${JSON.stringify({
          id: "fx-1",
          object: kind === "chat" ? "chat.completion.chunk" : "text_completion",
          created: 1,
          model,
          choices: [{ index: 0, ...choice }],
        })}\n\n`;
      if (kind === "chat") raw.write(event({ delta: { role: "assistant", content: "" }, finish_reason: null }));
      for (const piece of pieces) {
        if (raw.destroyed) return;
        raw.write(
          kind === "chat"
            ? event({ delta: { content: piece }, finish_reason: null })
            : event({ text: piece, finish_reason: null }),
        );
        await sleep(2);
      }
      raw.write(
        kind === "chat" ? event({ delta: {}, finish_reason: "stop" }) : event({ text: "", finish_reason: "stop" }),
      );
      if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
        raw.write(
          `data: ${JSON.stringify({ id: "fx-1", object: "chat.completion.chunk", created: 1, model, choices: [], usage })}\n\n`,
        );
      }
      raw.end("data: [DONE]\n\n");
      return;
    }
    if (kind === "chat") {
      return {
        id: "fx-1",
        object: "chat.completion",
        created: 1,
        model,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        usage,
      };
    }
    return {
      id: "fx-1",
      object: "text_completion",
      created: 1,
      model,
      choices: [{ index: 0, text: content, finish_reason: "stop" }],
      usage,
    };
  };

  app.post("/v1/chat/completions", (request, reply) =>
    complete("chat", request.body as Record<string, unknown>, reply),
  );
  app.post("/v1/completions", (request, reply) => complete("text", request.body as Record<string, unknown>, reply));
  app.post("/v1/embeddings", async (request) => {
    state.hits.embeddings++;
    const body = request.body as Record<string, unknown>;
    state.bodies.push(body);
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    return {
      object: "list",
      model: body.model,
      data: inputs.map((input, index) => ({ object: "embedding", index, embedding: bagOfWords(String(input), dims) })),
      usage: { prompt_tokens: usage.prompt_tokens, total_tokens: usage.prompt_tokens },
    };
  });
  app.get("/v1/models", async () => ({ object: "list", data: [] }));
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  state.baseUrl = `${address}/v1`;
  return state;
}
