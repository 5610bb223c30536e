/** What the protocol layer needs from a logger; the handler passes Powertools' Logger, tests a fake. */
export interface Log {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Error): void;
}

export const silentLog: Log = { info() {}, warn() {}, error() {} };
