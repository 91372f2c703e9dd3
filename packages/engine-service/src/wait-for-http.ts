/**
 * Poll `url` until it answers any HTTP status (the server is up) or `timeoutMs` passes. Resolves true
 * when it answered, false at the deadline.
 */
export async function waitForHttp(
  url: string,
  options: { timeoutMs?: number; intervalMs?: number; onWait?: (attempt: number) => void } = {},
): Promise<boolean> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return true;
    } catch {
      if (Date.now() >= deadline) return false;
      options.onWait?.(attempt);
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
    }
  }
}
