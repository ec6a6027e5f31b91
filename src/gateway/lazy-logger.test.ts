// The per-request logger writes exactly what pino's child would (with the request id), creates that
// child only when a message passes the level, and passes level changes and grandchildren through.
import { Writable } from "node:stream";
import type { FastifyBaseLogger } from "fastify";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { lazyChildLogger } from "./lazy-logger.js";

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const parent = pino({ level }, stream);
  let children = 0;
  const child = parent.child;
  // pino's children inherit from their parent: keep `this`, so a grandchild keeps its bindings.
  parent.child = function (this: typeof parent, ...args: Parameters<typeof child>) {
    children++;
    return child.apply(this, args);
  } as typeof parent.child;
  return { parent: parent as unknown as FastifyBaseLogger, lines, children: () => children };
}

describe("lazyChildLogger", () => {
  it("creates no child for messages below the level, then logs like pino's child", () => {
    const { parent, lines, children } = capture("warn");
    const log = lazyChildLogger(parent, { reqId: "01J-request" }, {});
    log.info("hello");
    log.debug({ a: 1 }, "details");
    expect(children()).toBe(0);
    expect(lines).toEqual([]);
    expect(log.level).toBe("warn");

    log.error({ code: "upstream_failed" }, "request failed %s", "badly");
    log.warn("twice");
    expect(children()).toBe(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 50,
      reqId: "01J-request",
      code: "upstream_failed",
      msg: "request failed badly",
    });
    expect(lines[1]).toMatchObject({ level: 40, reqId: "01J-request", msg: "twice" });
  });

  it("passes level changes and grandchildren to the real child", () => {
    const { parent, lines } = capture("info");
    const log = lazyChildLogger(parent, { reqId: "r2" }, {});
    log.level = "error";
    log.warn("hidden");
    log.child({ upstream: "w1" }).error("from a grandchild");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ reqId: "r2", upstream: "w1", msg: "from a grandchild" });
  });
});
