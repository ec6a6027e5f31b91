// The writer thread runs the background jobs on its own connection: what it writes is what the
// inline runner writes (the main connection reads it back at once), batches keep their posting
// order on the audit chain, a failing job rejects with its own message and leaves the thread
// working, a thread that cannot start fails its jobs clearly and the next job tries again, and
// close() finishes what was posted. Runs the compiled thread script (npm test builds it first).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driftConfigSchema } from "../../monitor/drift/config.js";
import { driftHistory } from "../../monitor/drift/store.js";
import { listRequests } from "../../monitor/requests.js";
import { exportAudit, verifyAudit } from "../../security/audit.js";
import { openMetadataStore } from "../../store/metadata/index.js";
import type { MetadataStore } from "../../store/metadata/types.js";
import type { NewRequest } from "../../store/schema.js";
import { inlineJobs, type JobRunner } from "./jobs.js";
import { startJobThread } from "./thread.js";

const request = (id: string, status = 200): NewRequest => ({
  id,
  at: new Date().toISOString(),
  key_id: "key-1",
  route: "/v1/chat/completions",
  model: "tiny",
  model_version: "tiny@1",
  upstream: "http://127.0.0.1:1/v1",
  status,
  error_code: null,
  prompt_tokens: 7,
  completion_tokens: 3,
  latency_ms: 1.5,
  ttft_ms: null,
  stream: 0,
});

const SCHED_IDLE = 5;
/** A thread's scheduling policy: field 41 of /proc/self/task/TID/stat (0 = SCHED_OTHER, 5 = SCHED_IDLE). */
const threadPolicy = (tid: string) => {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[38]);
};
const threadPolicies = () => readdirSync("/proc/self/task").map(threadPolicy);
const hasChrt = () => spawnSync("chrt", ["--version"]).status === 0;

const id = (i: number) => `01JTHREAD${String(i).padStart(17, "0")}`;

describe("the writer thread", () => {
  let url: string;
  let store: MetadataStore;
  let thread: JobRunner;

  beforeAll(async () => {
    url = `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), "llmops-thread-")), "llmops.db")}`;
    store = await openMetadataStore(url); // migrates, as openPlatform does before any job runs
    thread = startJobThread(url);
  });
  afterAll(async () => {
    await thread?.close();
    await store?.close();
  });

  it("writes request rows, feature rows, captures and drift checks the main connection reads at once", async () => {
    expect(thread.where).toBe("thread");
    await thread.run("requests", [request(id(1)), request(id(2), 500)]);
    const rows = await listRequests(store, { limit: 10 });
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      [id(2), 500],
      [id(1), 200],
    ]);

    const at = new Date();
    await thread.run(
      "features",
      Array.from({ length: 40 }, (_, i) => ({
        id: id(100 + i),
        at,
        model: "tiny",
        status: 200,
        prompt: i % 2 === 0 ? "What is the capital of France?" : "请用中文回答这个问题",
        promptTokens: 8,
        output: "I cannot help with that.",
        outputTokens: 6,
      })),
    );
    const features = await store.db.selectFrom("monitor_features").selectAll().orderBy("id").execute();
    expect(features).toHaveLength(40);
    // Computed in the thread: language, token buckets, refusal; the text itself is not stored.
    expect(features[0]).toMatchObject({ lang: "en", prompt_chars: 30, refusal: 1 });
    expect(features[1]).toMatchObject({ lang: "zh" });
    expect(JSON.stringify(features)).not.toContain("capital");

    const config = driftConfigSchema.parse({ min_samples: 5 });
    const report = await thread.run("drift-check", { config, at: new Date(at.getTime() + 1000) });
    expect(report.current.n).toBe(40);
    expect((await driftHistory(store, 5)).map((r) => r.id)).toEqual([report.id]);

    await thread.run("captures", {
      inputs: [{ id: id(200), at, prompt: "mail me at jane.doe@example.com", response: null }],
      config: { redact: "pii-mask", max_chars: 1000, retention_days: 30 },
      prune: true,
    });
    const body = await store.db.selectFrom("request_bodies").selectAll().executeTakeFirstOrThrow();
    expect(body.prompt).not.toContain("jane.doe@example.com");
    expect(body.prompt).toContain("mail me at");
  });

  it("appends audit batches in posting order, interleaved with the main connection's own entries", async () => {
    const posted = [];
    for (let batch = 0; batch < 20; batch++) {
      posted.push(
        thread.run(
          "audit",
          Array.from({ length: 25 }, (_, i) => ({
            actor: "gateway",
            action: "gateway.request",
            target: "model:tiny",
            details: { n: batch * 25 + i },
          })),
        ),
      );
    }
    // An admin action on the main connection while the thread appends: one chain, no fork.
    await inlineJobs(store).run("audit", [{ actor: "admin", action: "key.revoke", target: "key:x" }]);
    await Promise.all(posted);
    expect(await verifyAudit(store)).toMatchObject({ ok: true, entries: 501 });
    const order: number[] = [];
    for await (const event of exportAudit(store, { action: "gateway.request" })) {
      order.push((event.details as { n: number }).n);
    }
    expect(order).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it.skipIf(process.platform !== "linux" || !hasChrt())(
    "runs as SCHED_IDLE on Linux, so a woken request handler always takes the core",
    async () => {
      await thread.run("requests", [request(id(50))]); // the thread is up
      const policies = async () => {
        for (let i = 0; i < 100; i++) {
          const found = threadPolicies();
          if (found.includes(SCHED_IDLE)) return found;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return threadPolicies();
      };
      expect(await policies()).toContain(SCHED_IDLE);
      // Only the writer: this thread (the test's, normal policy) is untouched.
      expect(threadPolicy(String(process.pid))).toBe(0);
    },
  );

  it("rejects a failing job with the database's message and keeps working", async () => {
    await expect(thread.run("requests", [request(id(1))])).rejects.toThrow(/UNIQUE|unique/);
    await thread.run("requests", [request(id(3))]);
    expect((await listRequests(store, { limit: 10 })).map((r) => r.id)).toContain(id(3));
  });

  it("fails the jobs of a thread that cannot open its store, and tries again on the next job", async () => {
    const broken = startJobThread("postgres://nobody@127.0.0.1:1/none");
    await expect(broken.run("requests", [request(id(9))])).rejects.toThrow(/writer thread/);
    await expect(broken.run("requests", [request(id(9))])).rejects.toThrow(/writer thread/);
    await broken.close();
  });

  it("finishes posted jobs on close, then refuses new ones", async () => {
    const own = startJobThread(url);
    const pending = own.run(
      "requests",
      Array.from({ length: 300 }, (_, i) => request(id(1000 + i))),
    );
    await own.close();
    await pending;
    expect((await listRequests(store, { limit: 1000 })).filter((r) => r.id >= id(1000))).toHaveLength(300);
    await expect(own.run("requests", [request(id(5000))])).rejects.toThrow(/closed/);
  });
});
