#!/usr/bin/env node
// An external trainer reporting to llmops over HTTP: create a run, log metric batches and events,
// and set its final status. Any language works the same way (a PyTorch loop on a GPU box would
// call these four endpoints). Here the "model" is a linear regression fitted by gradient descent,
// so the script runs anywhere with Node 20+ and no dependencies.
//
//   llmops up &                                   # or llmops gateway; the API is on the same port
//   llmops keys create trainer --role developer   # needs runs:write (admin or developer)
//   LLMOPS_URL=http://127.0.0.1:8080 LLMOPS_API_KEY=sk-… node examples/external-trainer.mjs
//   llmops runs show <printed run id>
//
// Endpoints (Authorization: Bearer <key>):
//   POST /api/v1/runs                {name?, params?, dataset?, tokenizerHash?, gitCommit?, env?} → run
//   POST /api/v1/runs/:id/metrics    {points: [{step, split: "train"|"eval", values: {loss: 1.2, …}}]}
//                                    (a point already logged is kept as first written: retries are safe;
//                                    non-finite values as null or "NaN"/"Infinity")
//   POST /api/v1/runs/:id/events     {events: [{step?, kind, severity: info|warning|error, message, details?}]}
//   PUT  /api/v1/runs/:id/status     {status: running|completed|failed|stopped|diverged, summary?}
//   PUT  /api/v1/runs/:id/artifacts/:name   raw bytes (Content-Type: application/octet-stream) → {hash, size}
//   GET  /api/v1/runs/:id/artifacts/:name   the latest upload under that name
//   GET  /api/v1/runs, /api/v1/runs/:id, /api/v1/runs/:id/metrics?split=train&name=loss,lr
const base = (process.env.LLMOPS_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
const key = process.env.LLMOPS_API_KEY;
if (!key) {
  console.error("Set LLMOPS_API_KEY to a key with runs:write (llmops keys create trainer --role developer).");
  process.exit(2);
}
const steps = Number(process.env.STEPS ?? 50);

async function api(method, route, body) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${json?.error?.message ?? JSON.stringify(json)}`);
  return json;
}

// Data: y = 3x - 1 + noise, seeded so reruns match.
let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648 - 0.5;
};
const xs = Array.from({ length: 256 }, () => rand() * 4);
const data = xs.map((x) => [x, 3 * x - 1 + rand() * 0.1]);
const train = data.slice(0, 200);
const val = data.slice(200);
const mse = (w, b, rows) => rows.reduce((s, [x, y]) => s + (w * x + b - y) ** 2, 0) / rows.length;

const lr = 0.05;
const run = await api("POST", "/api/v1/runs", {
  name: "external linear regression",
  params: { model: "linear", lr, steps, optimizer: "sgd" },
  dataset: { name: "synthetic y=3x-1", rows: data.length },
  env: { node: process.version, platform: process.platform, trainer: "examples/external-trainer.mjs" },
});
console.log(`run ${run.id}`);

let w = 0;
let b = 0;
let pending = [];
for (let step = 1; step <= steps; step++) {
  const t0 = performance.now();
  let gw = 0;
  let gb = 0;
  for (const [x, y] of train) {
    const e = w * x + b - y;
    gw += (2 * e * x) / train.length;
    gb += (2 * e) / train.length;
  }
  w -= lr * gw;
  b -= lr * gb;
  const loss = mse(w, b, train);
  const secs = (performance.now() - t0) / 1000;
  pending.push({
    step,
    split: "train",
    values: { loss, lr, grad_norm: Math.hypot(gw, gb), examples_per_s: train.length / Math.max(secs, 1e-6) },
  });
  if (step % 10 === 0 || step === steps) {
    pending.push({ step, split: "eval", values: { loss: mse(w, b, val) } });
    await api("POST", `/api/v1/runs/${run.id}/metrics`, { points: pending }); // batched: one call per 10 steps
    pending = [];
  }
}
// Upload the fitted parameters as a run artifact (any file: checkpoints, plots, logs).
const upload = await fetch(`${base}/api/v1/runs/${run.id}/artifacts/params.json`, {
  method: "PUT",
  headers: { authorization: `Bearer ${key}`, "content-type": "application/octet-stream" },
  body: JSON.stringify({ w, b }),
});
if (!upload.ok) throw new Error(`artifact upload: ${upload.status} ${await upload.text()}`);
console.log(`artifact params.json ${(await upload.json()).hash}`);
await api("POST", `/api/v1/runs/${run.id}/events`, {
  events: [{ step: steps, kind: "note", severity: "info", message: `fitted w=${w.toFixed(3)} b=${b.toFixed(3)}` }],
});
const final = await api("PUT", `/api/v1/runs/${run.id}/status`, {
  status: "completed",
  summary: { step: steps, loss: mse(w, b, train), val_loss: mse(w, b, val) },
});
console.log(`status ${final.status}, val loss ${final.summary.val_loss.toFixed(5)}`);
