/**
 * Lines for standard output, written in chunks. A hunt reports a line per hit and per may-fire (144,000 lines for
 * 5,000 Sysmon events with the whole catalog), and Node writes standard output to a file or a pipe synchronously: a
 * write a line was a system call a line, about a tenth of such a hunt's time. Lines wait until 64 KB are pending or
 * for at most a quarter of a second (a timer, so that a reader of a slow hunt still sees each hit soon after it is
 * found); `flush` writes what is pending, in order, before anything else is printed.
 */
export class LineWriter {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (text: string) => void = (text) => void process.stdout.write(text),
    private readonly chunk = 65536,
    private readonly waitMs = 250,
  ) {}

  /** A line (without its newline). */
  line(text: string): void {
    this.pending += text + '\n';
    if (this.pending.length >= this.chunk) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.waitMs).unref();
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    this.write(text);
  }
}
