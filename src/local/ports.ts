/**
 * TCP port helpers for the local stack. Everything binds and connects to 127.0.0.1 only.
 */
import net from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** A port that is free on 127.0.0.1 right now (the OS picks it; another process may take it later). */
export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('getFreePort: the OS returned no TCP address'));
      });
    });
  });
}

/** How many times `retryPortRace` starts a server in all. */
export const PORT_RACE_ATTEMPTS = 3;

/** Whether a start failed because a port it picked was taken first ("address already in use"). */
export function lostPortRace(err: unknown): boolean {
  return err instanceof Error && /address already in use|EADDRINUSE/i.test(err.message);
}

/**
 * Runs `start`, which picks its ports with `getFreePort`, again (up to `PORT_RACE_ATTEMPTS` in
 * all) when it lost a port race: a port picked by binding port 0 and closing it can be taken by
 * another process (or an outgoing connection's local port) before the server binds it. `start`
 * must pick new ports on each call and leave nothing running when it fails.
 */
export async function retryPortRace<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= PORT_RACE_ATTEMPTS || !lostPortRace(err)) throw err;
    }
  }
}

/** Whether nothing listens on 127.0.0.1:`port` (tries to bind it, then releases it). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else reject(err);
    });
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

/**
 * Throws when 127.0.0.1:`port` is taken. `what` names the server and how its port is chosen,
 * e.g. `'the Temporal Web UI (KSP_UI_PORT)'`; the message tells how to find who holds the port.
 */
export async function assertPortFree(port: number, what: string): Promise<void> {
  if (await isPortFree(port)) return;
  throw new Error(
    `Port ${port} on ${LOOPBACK} is already in use, so ${what} cannot listen there. ` +
      `Stop whatever holds it (\`ss -ltnp 'sport = :${port}'\` or \`lsof -i :${port}\` shows it; ` +
      `often an earlier dev stack still running) or choose another port for ${what}.`,
  );
}

export interface WaitForPortOptions {
  /** @default 10_000 */
  timeoutMs?: number;
  /** Pause between connection attempts. @default 50 */
  intervalMs?: number;
  /** Named in the timeout error. @default `port <port>` */
  what?: string;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: LOOPBACK });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Resolves once a TCP connection to 127.0.0.1:`port` succeeds; throws after `timeoutMs`. */
export async function waitForPort(port: number, options: WaitForPortOptions = {}): Promise<void> {
  const { timeoutMs = 10_000, intervalMs = 50, what = `port ${port}` } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(port))) {
    if (Date.now() >= deadline) {
      throw new Error(`${what} did not accept connections on ${LOOPBACK}:${port} within ${timeoutMs} ms.`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
