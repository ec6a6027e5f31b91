// The embedded artifact store: a content-addressed folder on the local disk.
import { createHash } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import { access, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { LlmopsError } from "../../errors.js";
import { assertHash, integrityError, verifying } from "./hash.js";
import { ContentFolder, isNotFound, markVerified, notFoundError, openLocal, verifyFileOnce } from "./local.js";
import type { ArtifactInfo, ArtifactStore } from "./types.js";

export class FileArtifactStore implements ArtifactStore {
  readonly kind = "file" as const;
  readonly displayUrl: string;
  readonly folder: ContentFolder;

  constructor(root: string) {
    this.folder = new ContentFolder(root);
    this.displayUrl = `file:${root}`;
  }

  /** Creates the folders and removes temp files that writers killed long ago left behind. */
  async init(): Promise<this> {
    try {
      await mkdir(path.join(this.folder.root, "sha256"), { recursive: true });
      await mkdir(this.folder.tmpDir, { recursive: true });
      await access(this.folder.tmpDir, constants.W_OK);
      await this.folder.cleanStaleTemp();
    } catch (error) {
      throw new LlmopsError(
        "unavailable",
        `Cannot use the artifact folder ${this.folder.root}: ${(error as Error).message}. ` +
          "Check that it can be created and written (LLMOPS_ARTIFACTS_URL / LLMOPS_HOME).",
        { cause: error },
      );
    }
    return this;
  }

  async putStream(stream: Readable | AsyncIterable<unknown>): Promise<ArtifactInfo> {
    const { tmp, hash, size } = await this.folder.writeTemp(stream);
    const final = await this.folder.commit(tmp, hash);
    await markVerified(final);
    return { hash, size };
  }

  async putFile(file: string): Promise<ArtifactInfo> {
    return this.putStream(await openLocal(file));
  }

  async putBuffer(data: Uint8Array): Promise<ArtifactInfo> {
    return this.putStream(Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
  }

  async has(hash: string): Promise<boolean> {
    return (await this.stat(hash)) !== null;
  }

  async stat(hash: string): Promise<ArtifactInfo | null> {
    assertHash(hash);
    const size = await this.folder.size(hash);
    return size === null ? null : { hash, size };
  }

  async openRead(hash: string): Promise<Readable> {
    const size = await this.requireSize(hash);
    const source = createReadStream(this.folder.blobPath(hash), { highWaterMark: 1 << 20 });
    return verifying(source, hash, this.displayUrl, size);
  }

  async readBuffer(hash: string): Promise<Buffer> {
    await this.requireSize(hash);
    let data: Buffer;
    try {
      data = await readFile(this.folder.blobPath(hash));
    } catch (error) {
      if (isNotFound(error)) throw notFoundError(hash, this.displayUrl);
      throw error;
    }
    const actual = createHash("sha256").update(data).digest("hex");
    if (actual !== hash) throw integrityError(hash, this.displayUrl, actual, data.length);
    return data;
  }

  async localPath(hash: string): Promise<string> {
    await this.requireSize(hash);
    const file = this.folder.blobPath(hash);
    await verifyFileOnce(file, hash, this.displayUrl);
    return file;
  }

  async delete(hash: string): Promise<void> {
    assertHash(hash);
    await this.folder.remove(hash);
  }

  list(): AsyncIterable<ArtifactInfo> {
    return this.folder.list();
  }

  private async requireSize(hash: string): Promise<number> {
    assertHash(hash);
    const size = await this.folder.size(hash);
    if (size === null) throw notFoundError(hash, this.displayUrl);
    return size;
  }
}
