/** Median of a non-empty list (the middle value; for an even count, the mean of the two middle values). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** `12,345` style integer, or a number with `digits` decimals. */
export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** `0.93×`. */
export function formatRatio(value: number): string {
  return `${value.toFixed(2)}×`;
}

/** Prints rows as an aligned text table (first row = header). */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  const line = (row: readonly string[]) =>
    row.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ');
  const [header, ...body] = rows;
  if (!header) return;
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of body) console.log(line(row));
}

/** Number of measured runs: `--runs N` on the command line, default 3. */
export function runCount(): number {
  const index = process.argv.indexOf('--runs');
  const value = index === -1 ? 3 : Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--runs must be a positive integer`);
  return value;
}

/** One line saying where and when the figures were taken (load matters on a shared 2-core machine). */
export async function printContext(title: string): Promise<void> {
  const os = await import('node:os');
  const [load1] = os.loadavg();
  console.log(
    `\n## ${title}\nnode ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${load1?.toFixed(2)} at start`,
  );
}
