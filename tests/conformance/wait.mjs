// Waiting in the conformance tests: polls a condition until it holds or a deadline passes.

/** Resolves with `check()`'s first truthy value; rejects after `ms` naming `what`. */
export function waitFor(what, check, ms) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = check();
      if (value) return resolve(value);
      if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}
