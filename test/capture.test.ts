// Opt-in prompt/response capture end to end: real gateways (`startServer`, as `llmops up` runs them)
// in front of the OpenAI fixture upstream (which echoes the prompt, so the answer holds the PII too).
// With capture on and redact "pii-mask", GET /api/v1/stats/requests/:id returns the prompt and the
// answer with the email and phone number masked — the raw values are nowhere in the stored row — for
// JSON and streamed answers; with capture off nothing is stored; with redact "none" the raw text is.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { createLogger } from "../src/platform/logger.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";
import { type OpenAiFixture, startOpenAiFixture } from "./helpers/openai-fixture.js";

const EMAIL = "jane.doe@example.com";
const PHONE = "+1 415-555-0132";
const PROMPT = `Please write to ${EMAIL} or call ${PHONE} about the invoice.`;

interface Gateway {
  platform: Platform;
  server: RunningServer;
  key: string;
}

interface Detail {
  request: { id: string };
  body: { prompt: string | null; response: string | null; redaction: string } | null;
  body_note: string | null;
}

let upstream: OpenAiFixture;
const open: Gateway[] = [];

async function startGateway(captureYaml: string[]): Promise<Gateway> {
  const home = mkdtempSync(path.join(tmpdir(), "llmops-capture-"));
  writeFileSync(
    path.join(home, "llmops.yaml"),
    ["upstreams:", `  - { name: fixture, url: "${upstream.baseUrl}", models: [fx] }`, ...captureYaml, ""].join("\n"),
  );
  const platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: home }, cwd: home }).config);
  const server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: createLogger("silent") });
  const key = (await platform.keys.create({ name: "capture", role: "admin", createdBy: "test" })).key;
  const gateway = { platform, server, key };
  open.push(gateway);
  return gateway;
}

async function chat(gateway: Gateway, content: string, stream = false): Promise<string> {
  const response = await fetch(`${gateway.server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${gateway.key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "fx", messages: [{ role: "user", content }], stream }),
  });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  // The client gets the real answer: capture never changes it (a stream splits it across chunks).
  if (!stream) expect(text).toContain(EMAIL);
  const id = response.headers.get("x-request-id");
  expect(id).toBeTruthy();
  return id!;
}

/** Polls the one-request endpoint until the request log (and, if wanted, the capture) is written. */
async function detail(gateway: Gateway, id: string, wantBody: boolean): Promise<Detail> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await fetch(`${gateway.server.url}/api/v1/stats/requests/${id}`, {
      headers: { authorization: `Bearer ${gateway.key}` },
    });
    if (response.status === 200) {
      const body = (await response.json()) as Detail;
      if (!wantBody || body.body !== null) return body;
    } else {
      expect(response.status).toBe(404); // not flushed yet
    }
    if (Date.now() > deadline) throw new Error(`request ${id} did not appear in time`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  upstream = await startOpenAiFixture();
});

afterAll(async () => {
  for (const gateway of open) {
    await gateway.server.close();
    await gateway.platform.close();
  }
  await upstream?.close();
});

describe("capture with redact pii-mask", () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway(["capture: { enabled: true, redact: pii-mask, max_chars: 4000 }"]);
  });

  it("stores the prompt and the JSON answer with every PII span masked", async () => {
    const id = await chat(gateway, PROMPT);
    const found = await detail(gateway, id, true);
    expect(found.request.id).toBe(id);
    expect(found.body_note).toBeNull();
    expect(found.body).toEqual({
      prompt: "Please write to [EMAIL] or call [PHONE] about the invoice.",
      response: "echo: Please write to [EMAIL] or call [PHONE] about the invoice.",
      redaction: "pii-mask",
    });
    const row = await gateway.platform.store.db
      .selectFrom("request_bodies")
      .selectAll()
      .where("request_id", "=", id)
      .executeTakeFirstOrThrow();
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(EMAIL);
    expect(stored).not.toContain("jane.doe");
    expect(stored).not.toContain("555-0132");
  });

  it("assembles a streamed answer before masking it", async () => {
    const id = await chat(gateway, PROMPT, true);
    const found = await detail(gateway, id, true);
    expect(found.body?.prompt).toBe("Please write to [EMAIL] or call [PHONE] about the invoice.");
    expect(found.body?.response).toContain("[EMAIL]");
    expect(found.body?.response).not.toContain(EMAIL);
    expect(found.body?.response?.startsWith("echo:")).toBe(true);
  });
});

describe("capture off (the default)", () => {
  it("stores nothing and says why", async () => {
    const gateway = await startGateway([]);
    const id = await chat(gateway, PROMPT);
    const found = await detail(gateway, id, false);
    expect(found.body).toBeNull();
    expect(found.body_note).toContain("capture");
    const rows = await gateway.platform.store.db.selectFrom("request_bodies").selectAll().execute();
    expect(rows).toEqual([]);
  });
});

describe("capture with redact none", () => {
  it("stores the raw text, truncated to max_chars", async () => {
    const gateway = await startGateway(["capture: { enabled: true, redact: none, max_chars: 30 }"]);
    const id = await chat(gateway, PROMPT);
    const found = await detail(gateway, id, true);
    expect(found.body).toEqual({
      prompt: `${PROMPT.slice(0, 30)}…`,
      response: `${`echo: ${PROMPT}`.slice(0, 30)}…`,
      redaction: "none",
    });
    expect(found.body?.prompt).toContain("jane.doe@e");
  });

  it("captures none of the requests with sample_rate 0", async () => {
    const gateway = await startGateway(["capture: { enabled: true, redact: none, sample_rate: 0 }"]);
    const id = await chat(gateway, PROMPT);
    const found = await detail(gateway, id, false);
    expect(found.body).toBeNull();
  });
});
