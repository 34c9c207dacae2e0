// The bench side of ref/spawner.mjs: starts it, sends jobs, stops it by pid.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { killOurs } from '../lib.mjs';

export class RefSpawner {
  constructor() {
    this.child = fork(join(import.meta.dirname, 'spawner.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.pending = new Map();
    this.nextId = 1;
    this.rss = undefined;
    this.child.on('message', (m) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      this.rss = m.rss;
      if (m.error) p?.reject(new Error(`reference spawner: ${m.error}`));
      else p?.resolve(m.result);
    });
  }

  run(job, params) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, job, ...params });
    });
  }

  /** ms from execa() to pid for `count` sequential spawns of the wrapper running `command`, each awaited to its end. */
  latencies(wrapper, dir, count, command = 'true') {
    return this.run('latencies', { wrapper, dir, count, command });
  }

  batch(wrapper, dir, count) {
    return this.run('batch', { wrapper, dir, count });
  }

  exitDelays(wrapper, dir, count, command) {
    return this.run('exitDelays', { wrapper, dir, count, command });
  }

  close() {
    this.child.disconnect?.();
    killOurs(this.child.pid);
  }
}
