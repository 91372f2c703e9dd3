/**
 * A resettable signal: `wait()` resolves at the next `fire()`. Many waiters share one promise; every
 * `fire()` starts a new round.
 */
export function createWake() {
  let resolve!: () => void;
  let promise = new Promise<void>((r) => (resolve = r));
  return {
    wait: () => promise,
    fire() {
      const r = resolve;
      promise = new Promise<void>((next) => (resolve = next));
      r();
    },
  };
}
export type Wake = ReturnType<typeof createWake>;
