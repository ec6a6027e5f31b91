// Reads a version's rows back from its shards, in order, in batches. A shard is decompressed from
// its start, so reading from row i of a shard costs decompressing the rows before it (bounded by
// the shard size); the artifact store verifies each shard's hash when it is read to its end.

import { pipeline, Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { LlmopsError } from "../../errors.js";
import type { ArtifactStore } from "../../store/artifacts/types.js";
import type { ShardUnsealer } from "../crypto/types.js";
import { LineSplitter } from "../io/source.js";
import type { AddressedRow, Row, ShardInfo } from "../types.js";
import { SHARD_ENCODING } from "./writer.js";

const MAX_LINE = 1 << 30;

/** Rows of one shard from `start` on, in batches. */
export async function* readShard(
  artifacts: ArtifactStore,
  shard: ShardInfo,
  start = 0,
  unsealer?: ShardUnsealer,
): AsyncGenerator<Row[]> {
  const sealed = unsealer !== undefined && shard.encoding === unsealer.encoding;
  if (shard.encoding !== SHARD_ENCODING && !sealed) {
    throw new LlmopsError(
      "invalid_request",
      `Shard ${shard.shard} is stored as '${shard.encoding}', which this version of llmops cannot read; upgrade llmops.`,
    );
  }
  // A sealed shard is read whole and authenticated before any of it is decompressed.
  const stream = sealed
    ? Readable.from([unsealer.open(shard, await artifacts.readBuffer(shard.artifactHash))])
    : await artifacts.openRead(shard.artifactHash);
  const gunzip = pipeline(stream, createGunzip({ chunkSize: 1 << 20 }), () => {}) as Readable;
  const decoder = new StringDecoder("utf8");
  const splitter = new LineSplitter(`shard ${shard.artifactHash.slice(0, 12)}`, MAX_LINE);
  const lines: string[] = [];
  let index = 0;
  const take = (): Row[] => {
    const rows: Row[] = [];
    for (const line of lines) {
      if (line.length === 0) continue;
      if (index++ >= start) rows.push(JSON.parse(line) as Row);
    }
    lines.length = 0;
    return rows;
  };
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      splitter.push(decoder.write(chunk), lines);
      const rows = take();
      if (rows.length) yield rows;
    }
    splitter.push(decoder.end(), lines);
    splitter.end(lines);
    const rows = take();
    if (rows.length) yield rows;
  } finally {
    stream.destroy();
  }
}

/** Every row of the shards from global row `offset` on, with its address, in batches. */
export async function* readRows(
  artifacts: ArtifactStore,
  shards: readonly ShardInfo[],
  offset = 0,
  unsealer?: ShardUnsealer,
): AsyncGenerator<AddressedRow[]> {
  for (const shard of shards) {
    if (shard.firstRow + shard.rowCount <= offset) continue;
    let index = Math.max(0, offset - shard.firstRow);
    for await (const rows of readShard(artifacts, shard, index, unsealer)) {
      yield rows.map((row) => ({ shard: shard.shard, index: index++, row }));
    }
  }
}
