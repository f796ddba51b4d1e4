/** Build progress: a bar on a TTY, plain lines otherwise (logs, CI). */
export interface Progress {
  start(label: string, total: number): void;
  tick(done: number, path: string): void;
  end(summary: string): void;
}

export function progressFor(stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  if (quiet) return { start() {}, tick() {}, end() {} };
  let label = '';
  let total = 0;
  let lastPlain = 0;
  let lastDraw = 0;
  const tty = stream.isTTY === true;
  return {
    start(l, t) {
      label = l;
      total = t;
      lastPlain = 0;
      if (!tty) stream.write(`${label}: ${total} files to parse\n`);
    },
    tick(done, path) {
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 50 && done < total) return;
        lastDraw = now;
        const width = 30;
        const filled = total ? Math.round((done / total) * width) : width;
        const cols = stream.columns ?? 100;
        const line = `${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} ${path}`;
        stream.write(`\r${line.slice(0, cols - 1).padEnd(cols - 1)}`);
      } else if (done - lastPlain >= 1000 || done === total) {
        lastPlain = done;
        stream.write(`${label}: ${done}/${total}\n`);
      }
    },
    end(summary) {
      if (tty) stream.write(`\r${' '.repeat((stream.columns ?? 100) - 1)}\r`);
      stream.write(`${summary}\n`);
    },
  };
}
