/**
 * A request time-out that fires only on time. One that comes late, because this process's event loop was busy (the
 * trainer's features stage runs minutes of synchronous work while its requests and the server's start are under
 * way), waits a little longer: the answer may have come meanwhile, and Node reads it only after the timers. With
 * AbortSignal.timeout such an answer lost the race: a server up for a minute was declared dead, and a POST answered
 * in time would be sent again.
 */
export function patientTimeout(ms: number): { signal: AbortSignal; cancel: () => void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout;
  const arm = (delay: number) => {
    const due = Date.now() + delay;
    timer = setTimeout(
      () => (Date.now() - due > LATE_MS ? arm(GRACE_MS) : controller.abort(new TimeoutError(ms))),
      delay,
    );
  };
  arm(ms);
  return { signal: controller.signal, cancel: () => clearTimeout(timer) };
}

/** What AbortSignal.timeout aborts with, so that callers tell a time-out from other aborts the same way. */
class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

const LATE_MS = 100;
const GRACE_MS = 250;
