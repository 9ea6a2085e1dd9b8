// Work that is drawn: at most once per animation frame, with the newest arguments. A slider
// drag that re-ranks faster than the screen refreshes draws each frame once.
export function perFrame<A extends unknown[]>(draw: (...args: A) => void): (...args: A) => void {
  let pending: A | null = null;
  let raf = 0;
  return (...args: A) => {
    pending = args;
    if (raf) return;
    raf = requestAnimationFrame(() => {
      raf = 0;
      const a = pending!;
      pending = null;
      draw(...a);
    });
  };
}

/** Runs `fn` when the page is idle (or after `timeout` ms), once per burst of calls. */
export function whenIdle(fn: () => void, timeout = 500): () => void {
  let handle: number | null = null;
  const ric = (window as Window & { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number })
    .requestIdleCallback;
  return () => {
    if (handle !== null) return;
    const run = () => {
      handle = null;
      fn();
    };
    handle = ric ? ric(run, { timeout }) : window.setTimeout(run, 200);
  };
}
