import { describe, expect, it } from "vitest";
import { createBatchedRequestRecorder } from "./request-log.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("createBatchedRequestRecorder", () => {
  it("writes full batches at once and the rest after flushMs, in order", async () => {
    const batches: number[][] = [];
    const recorder = createBatchedRequestRecorder<number>(
      async (rows) => {
        batches.push(rows);
      },
      { maxBatch: 3, flushMs: 50 },
    );
    for (let i = 0; i < 7; i++) recorder.record(i);
    await sleep(5);
    expect(batches.flat()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(batches.every((batch) => batch.length <= 3)).toBe(true);
    expect(recorder.pending).toBe(1);
    await sleep(80);
    expect(batches.flat()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(recorder.pending).toBe(0);
  });

  it("flush() waits for rows queued during a slow write, one write at a time", async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    const written: number[] = [];
    const recorder = createBatchedRequestRecorder<number>(
      async (rows) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await sleep(20);
        written.push(...rows);
        concurrent--;
      },
      { maxBatch: 2, flushMs: 10_000 },
    );
    recorder.record(1);
    recorder.record(2); // starts a write
    recorder.record(3); // arrives during it
    await recorder.flush();
    expect(written).toEqual([1, 2, 3]);
    expect(maxConcurrent).toBe(1);
  });

  it("drops rows of failed writes, overflowing queues and closed recorders, and reports them", async () => {
    const errors: Array<[string, number]> = [];
    let fail = true;
    const written: number[] = [];
    const recorder = createBatchedRequestRecorder<number>(
      async (rows) => {
        if (fail) throw new Error("database is locked");
        written.push(...rows);
      },
      { maxBatch: 2, flushMs: 10_000, maxQueue: 4, onError: (error, count) => errors.push([String(error), count]) },
    );
    recorder.record(1);
    recorder.record(2);
    await recorder.flush();
    expect(errors).toEqual([["Error: database is locked", 2]]);
    fail = false;
    recorder.record(3);
    await recorder.close();
    expect(written).toEqual([3]);
    recorder.record(4);
    expect(recorder.dropped).toBe(3);
    expect(errors.at(-1)?.[0]).toContain("closed");
  });
});
