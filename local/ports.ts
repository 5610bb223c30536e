import { createServer } from 'node:net';

/** A port is taken; the message names the environment variable that moves it. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly envVar?: string,
    options?: { cause?: unknown },
  ) {
    super(
      envVar
        ? `port ${port} is already in use: stop the process using it or set ${envVar} to a free port`
        : `port ${port} is already in use`,
      options,
    );
    this.name = 'PortInUseError';
  }
}

/**
 * A port nothing listens on right now. The OS picks it, so parallel test runs do not collide; another process could
 * still take it before we bind, which is acceptable for tests and the local stack.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => (port ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

/**
 * Fails early with a message naming `envVar`, rather than letting a child process (java) die with a bind error
 * buried in its output. Checks every interface, since DynamoDB Local binds all of them.
 */
export function assertPortAvailable(port: number, envVar?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, envVar, { cause: error }) : error);
    });
    server.listen({ port }, () => server.close(() => resolve()));
  });
}
