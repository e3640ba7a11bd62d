'use strict';
/**
 * Preload for emulator child processes: `node -r ./scripts/bind-localhost.cjs <entry>`.
 *
 * 1. Every `net.Server#listen` in the process (http, https, http2 servers included) binds
 *    127.0.0.1, whatever host the program asked for. kinesis-local hard-codes 0.0.0.0 and has no
 *    host setting; the local stack must never be reachable from the network.
 * 2. On SIGTERM, open client connections are closed after a short grace period. kinesis-local
 *    (cats-effect + ember) otherwise waits 30 s for idle keep-alive connections before it exits
 *    (measured: 30 s with one idle SDK connection; 0.25 s with this preload). Its final persist
 *    still runs. The process is forced out after 5 s whatever happens.
 * 3. The process ends when its parent dies (SIGKILL'd test runner, crashed CLI), so no emulator
 *    is left holding a port. It first raises SIGTERM on itself (the program's own shutdown runs,
 *    e.g. kinesis-local's final persist), then exits hard if that did not end it.
 */
const net = require('node:net');

// Captured before the program runs: kinesis-local (cats-effect IOApp) replaces process.exit
// with its own graceful exit, which would defeat the forced exits below.
const exitNow = process.exit.bind(process);

const LOOPBACK = '127.0.0.1';
const originalListen = net.Server.prototype.listen;

/** True for `listen(port)` forms: a number, a numeric string, or an omitted/null port. */
function isPortArgument(value) {
  return (
    value === undefined ||
    value === null ||
    typeof value === 'number' ||
    (typeof value === 'string' && /^\d+$/.test(value))
  );
}

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    // listen(options[, cb]); leave IPC paths and inherited handles/fds alone.
    const isTcp = first.path === undefined && first.fd === undefined && first.handle === undefined;
    const isHandle = typeof first._handle === 'object' || typeof first.listen === 'function';
    if (isTcp && !isHandle) args[0] = { ...first, host: LOOPBACK };
  } else if (isPortArgument(first)) {
    // listen(port[, host][, backlog][, cb]): replace or insert the host.
    if (args.length === 0) args.push(0);
    if (typeof args[1] === 'string') args[1] = LOOPBACK;
    else args.splice(1, 0, LOOPBACK);
  }
  // listen(path[, cb]) (a non-numeric string) is an IPC socket: unchanged.
  if (!this.listeners('connection').includes(trackSocket)) this.on('connection', trackSocket);
  return originalListen.apply(this, args);
};

/** Server-side sockets still open, closed by the SIGTERM handler below. */
const openSockets = new Set();

function trackSocket(socket) {
  openSockets.add(socket);
  socket.once('close', () => openSockets.delete(socket));
}

const END_CONNECTIONS_AFTER_MS = 200;
const DESTROY_CONNECTIONS_AFTER_MS = 1500;
const FORCED_EXIT_AFTER_MS = 5000;

process.on('SIGTERM', () => {
  if (process.listenerCount('SIGTERM') === 1) {
    // Only this listener: keep Node's default meaning of SIGTERM (terminate now).
    exitNow(128 + 15);
  }
  // The program has its own graceful shutdown. Let it finish in-flight requests, then half-close
  // the connections it would wait for: a FIN makes the client close its side, which is what
  // ember needs to see (destroy() alone was not enough: it still waited 30 s).
  setTimeout(() => {
    for (const socket of openSockets) socket.end();
  }, END_CONNECTIONS_AFTER_MS).unref();
  setTimeout(() => {
    for (const socket of openSockets) socket.destroy();
  }, DESTROY_CONNECTIONS_AFTER_MS).unref();
  setTimeout(() => exitNow(128 + 15), FORCED_EXIT_AFTER_MS).unref();
});

const PARENT_POLL_MS = 1000;
const parentAtStart = process.ppid;

const watchdog = setInterval(() => {
  if (process.ppid === parentAtStart) return;
  clearInterval(watchdog);
  process.stderr.write(`bind-localhost: parent ${parentAtStart} is gone; stopping pid ${process.pid}\n`);
  process.kill(process.pid, 'SIGTERM');
}, PARENT_POLL_MS);
watchdog.unref();
