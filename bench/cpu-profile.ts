/**
 * A CPU profile of this process's main thread over one window of a bench (the worker's activities
 * run there), written as a .cpuprofile that Chrome DevTools and `node --cpu-prof` tools read. The
 * whole-process `node --cpu-prof` mixes in seeding queues and bundling workflows.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

export interface CpuProfiler {
  /** Stops profiling and writes `<dir>/<name>.cpuprofile`; returns its path. */
  stop(name: string): Promise<string>;
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))),
  );
}

export async function startCpuProfile(dir: string): Promise<CpuProfiler> {
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.start');
  return {
    async stop(name) {
      const { profile } = await post<{ profile: unknown }>(session, 'Profiler.stop');
      session.disconnect();
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${name}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}
