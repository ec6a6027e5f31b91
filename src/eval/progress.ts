// A one-line progress bar on stderr, only when stderr is a terminal (CI logs and pipes stay clean).
export class ProgressBar {
  private readonly enabled: boolean;
  private last = 0;
  private readonly started = performance.now();

  constructor(
    private readonly label: string,
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = stream.isTTY === true;
    this.stream = stream;
  }

  private readonly stream: NodeJS.WriteStream;

  update(done: number, total: number, failed: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (done < total && now - this.last < 100) return; // at most ten redraws a second
    this.last = now;
    const width = 30;
    const filled = total ? Math.round((done / total) * width) : width;
    const rate = done / Math.max(0.001, (now - this.started) / 1000);
    const eta = rate > 0 && done < total ? ` eta ${Math.ceil((total - done) / rate)}s` : "";
    this.stream.write(
      `\r${this.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}${failed ? ` (${failed} failing)` : ""} ${rate.toFixed(1)}/s${eta}\u001b[K`,
    );
  }

  done(): void {
    if (this.enabled) this.stream.write("\r\u001b[K");
  }
}
