// A mock OpenAI-compatible upstream for bench/eval.ts, run as its own process so that the harness
// under test never shares an event loop with the "model".
//
//   node dist/bench/eval-mock-upstream.js [--port=0] [--delay-ms=0]
//
// Prints `{"port":N}` on one stdout line once it listens. Answers:
//   POST /v1/chat/completions  →  "Echo: <last user message>" (JSON, no streaming)
//   POST /v1/completions       →  "Echo: <prompt>"
//   POST /v1/embeddings        →  a fixed 8-dimensional unit vector per input
//   GET  /v1/models            →  one model, "mock"
// The answer depends on the prompt, so contains/equals assertions in the benchmark suite check that
// each harness really sent what the suite says (a harness that mixed up variables would fail tests).
// `--delay-ms` holds every answer that long (a stand-in for model latency); 0 measures pure harness
// overhead.
import http from "node:http";
import type { AddressInfo } from "node:net";

interface ChatBody {
  model?: string;
  messages?: Array<{ role?: string; content?: unknown }>;
  prompt?: unknown;
  input?: unknown;
}

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((candidate) => candidate.startsWith(`--${name}=`));
  if (arg === undefined) return fallback;
  const value = Number(arg.slice(name.length + 3));
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`--${name} must be a non-negative number\n`);
    process.exit(2);
  }
  return value;
}

/** Whitespace-delimited words, the way a tokenizer-less mock can count "tokens". */
const words = (text: string) => (text.match(/\S+/g) ?? []).length;

function chatAnswer(body: ChatBody): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const users = messages.filter((m) => m.role === "user");
  const last = users[users.length - 1]?.content;
  const text = typeof last === "string" ? last : JSON.stringify(last ?? "");
  const content = `Echo: ${text}`;
  const prompt = messages.map((m) => (typeof m.content === "string" ? m.content : "")).join(" ");
  return JSON.stringify({
    id: "chatcmpl-mock",
    object: "chat.completion",
    created: 1_700_000_000,
    model: body.model ?? "mock",
    choices: [{ index: 0, message: { role: "assistant", content }, logprobs: null, finish_reason: "stop" }],
    usage: {
      prompt_tokens: words(prompt),
      completion_tokens: words(content),
      total_tokens: words(prompt) + words(content),
    },
  });
}

function completionAnswer(body: ChatBody): string {
  const prompt = typeof body.prompt === "string" ? body.prompt : JSON.stringify(body.prompt ?? "");
  const text = `Echo: ${prompt}`;
  return JSON.stringify({
    id: "cmpl-mock",
    object: "text_completion",
    created: 1_700_000_000,
    model: body.model ?? "mock",
    choices: [{ index: 0, text, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: words(prompt), completion_tokens: words(text), total_tokens: words(prompt) + words(text) },
  });
}

function embeddingAnswer(body: ChatBody): string {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const v = Math.SQRT1_2;
  return JSON.stringify({
    object: "list",
    model: body.model ?? "mock",
    data: inputs.map((_, index) => ({ object: "embedding", index, embedding: [v, v, 0, 0, 0, 0, 0, 0] })),
    usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
  });
}

const delayMs = flag("delay-ms", 0);
let served = 0;

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const send = (status: number, payload: string) => {
      const reply = () => {
        res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
        res.end(payload);
      };
      if (delayMs > 0) setTimeout(reply, delayMs);
      else reply();
    };
    const url = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && url === "/v1/models") {
      send(
        200,
        JSON.stringify({ object: "list", data: [{ id: "mock", object: "model", created: 0, owned_by: "bench" }] }),
      );
      return;
    }
    if (req.method === "GET" && url === "/stats") {
      send(200, JSON.stringify({ served }));
      return;
    }
    let body: ChatBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatBody;
    } catch {
      send(
        400,
        JSON.stringify({
          error: { message: "body is not JSON", type: "invalid_request_error", param: null, code: null },
        }),
      );
      return;
    }
    served++;
    if (url === "/v1/chat/completions") send(200, chatAnswer(body));
    else if (url === "/v1/completions") send(200, completionAnswer(body));
    else if (url === "/v1/embeddings") send(200, embeddingAnswer(body));
    else
      send(404, JSON.stringify({ error: { message: `no route ${url}`, type: "not_found", param: null, code: null } }));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(flag("port", 0), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
