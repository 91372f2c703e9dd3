/** A one-line progress bar on stderr, drawn only on a TTY and at most every 100 ms. */
export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr) {
  let last = 0;
  const started = Date.now();
  const draw = (done: number, total?: number, final = false) => {
    const now = Date.now();
    if (!stream.isTTY || (!final && now - last < 100)) return;
    last = now;
    const secs = (now - started) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    let bar = '';
    if (total && total > 0) {
      const frac = Math.min(1, done / total);
      const width = 30;
      const full = Math.round(frac * width);
      bar = `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(frac * 100).toFixed(0).padStart(3)}% `;
    }
    stream.write(
      `\r${label} ${bar}${done.toLocaleString('en-US')}${total ? `/${total.toLocaleString('en-US')}` : ''} (${rate.toLocaleString('en-US')}/s)   `,
    );
    if (final) stream.write('\n');
  };
  return {
    update: (done: number, total?: number) => draw(done, total),
    done: (done: number, total?: number) => draw(done, total, true),
  };
}
