/**
 * A TCP proxy on 127.0.0.1 in front of an emulator that can stall: while stalled, it accepts
 * connections and takes the bytes clients send, but forwards none and answers nothing (a
 * SIGSTOPped server, as far as a client can tell). `release()` forwards what was held on the
 * connections still open, as a resumed server would read them, and drops what a client abandoned
 * (closed) meanwhile. `stallWhen` stalls only the connections whose bytes match, e.g. one
 * operation's requests.
 */
import net from 'node:net';

interface Link {
  client: net.Socket;
  server: net.Socket;
  /** Bytes held while stalled, to forward on release. */
  held: Buffer[] | null;
  /** Responses written back to the client since it was released. */
  answered: number;
}

export class StallProxy {
  private readonly links = new Set<Link>();
  private stalledAll = false;
  /** Stall a connection when a chunk it sends matches (checked while not stalling everything). */
  stallWhen: ((chunk: Buffer) => boolean) | null = null;
  /** Connections that were held and later forwarded on release. */
  forwardedOnRelease = 0;
  /** Connections whose client gave up (closed) while held. */
  abandonedWhileHeld = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: string): Promise<StallProxy> {
    const url = new URL(target);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new StallProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.accept(client, url));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Connections holding bytes now. */
  get holding(): number {
    return [...this.links].filter((l) => l.held !== null).length;
  }

  private accept(client: net.Socket, url: URL): void {
    const server = net.connect(Number(url.port), url.hostname);
    const link: Link = { client, server, held: this.stalledAll ? [] : null, answered: 0 };
    this.links.add(link);
    client.on('data', (chunk: Buffer) => {
      if (link.held === null && this.stallWhen?.(chunk)) link.held = [];
      if (link.held !== null) link.held.push(chunk);
      else server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      link.answered++;
      client.write(chunk);
    });
    const close = (): void => {
      if (link.held !== null) this.abandonedWhileHeld++;
      link.held = null;
      this.links.delete(link);
      client.destroy();
      server.destroy();
    };
    client.on('close', close);
    server.on('close', close);
    client.on('error', () => undefined);
    server.on('error', () => undefined);
  }

  /** Holds every byte from now on, on open connections and new ones. */
  stall(): void {
    this.stalledAll = true;
    for (const link of this.links) link.held ??= [];
  }

  /**
   * Forwards what open connections hold and stops stalling. Resolves once each forwarded
   * connection got an answer back or closed, so whatever the server did with it is done.
   */
  async release(): Promise<void> {
    this.stalledAll = false;
    this.stallWhen = null;
    const waits: Promise<void>[] = [];
    for (const link of this.links) {
      const held = link.held;
      if (held === null) continue;
      link.held = null;
      if (held.length === 0) continue;
      this.forwardedOnRelease++;
      const before = link.answered;
      for (const chunk of held) link.server.write(chunk);
      waits.push(
        new Promise<void>((resolve) => {
          const done = (): void => {
            link.server.off('data', onData);
            resolve();
          };
          const onData = (): void => {
            if (link.answered > before) done();
          };
          link.server.on('data', onData);
          link.server.once('close', done);
        }),
      );
    }
    await Promise.all(waits);
  }

  async close(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.server.destroy();
    }
    this.links.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
