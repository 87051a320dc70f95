/**
 * The clock port of the adapters: handlers take `now` from here and pass it to the domain. In the local runtime
 * the process clock is virtual (local/clock.ts), so handlers and the workflow engine follow the same time.
 */
export type Clock = () => string;

export const systemClock: Clock = () => new Date().toISOString();
