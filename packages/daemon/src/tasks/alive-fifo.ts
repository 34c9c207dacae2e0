import { closeSync, constants, fstatSync, openSync, readdirSync, type Stats, statSync } from 'node:fs';
import { Socket } from 'node:net';

/** Path of the liveness FIFO of the task whose exit record is `exitPath` (the wrapper creates it). */
export function aliveFifoPath(exitPath: string): string {
  return `${exitPath}.alive`;
}

/**
 * Calls `onEnd` once when wrapper `pid` has ended, by any cause (an exit
 * record written, SIGKILL, the OOM killer; a zombie has already closed its
 * descriptors): the wrapper holds its liveness FIFO `fifoPath` open on fd 4
 * (fd 4; dash moves it to fd 10 and up while the command runs, close-on-exec)
 * and nothing else does (the command never gets it), so its end closes the
 * FIFO's last writer and the reader opened here sees the end of file at once
 * through the event loop (epoll) — no polling, nothing per task while it runs
 * (docs/design.md, "Recovery at start-up").
 *
 * Only a FIFO that wrapper `pid` holds on fd 4 right now is used: the path is
 * opened without following a symlink, must be a FIFO, and must be the file
 * one of `/proc/<pid>/fd/*` names (same device and inode). The caller has checked
 * that `pid` is still the task's wrapper (same start time).
 * Costs one descriptor of the daemon per watched wrapper, and nothing else
 * while it runs.
 * @returns a function that stops watching (idempotent); undefined when the
 *   FIFO cannot be used (a wrapper from before the FIFO, `mkfifo` missing, a
 *   wrapper that has not opened it yet or has ended, a path replaced, no
 *   descriptor left: EMFILE): the
 *   caller then watches the task by polling.
 */
export function watchWrapperEnd(fifoPath: string, pid: number, onEnd: () => void): (() => void) | undefined {
  let fd: number;
  try {
    fd = openSync(fifoPath, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  let socket: Socket;
  try {
    const ours = fstatSync(fd);
    if (!ours.isFIFO() || !holdsFile(pid, ours)) throw new Error('not the wrapper’s FIFO');
    socket = new Socket({ fd, readable: true, writable: false });
  } catch {
    closeSync(fd);
    return undefined;
  }
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    socket.destroy();
    onEnd();
  };
  socket.unref();
  // Nothing is ever written; whatever someone else writes is dropped.
  socket.on('data', () => undefined);
  socket.on('end', end);
  socket.on('error', end);
  socket.on('close', end);
  return () => {
    done = true;
    socket.destroy();
  };
}

/** Whether process `pid` has a descriptor open on `file` (same device and inode); false when it cannot be read. */
function holdsFile(pid: number, file: Stats): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      const held = statSync(`/proc/${pid}/fd/${fd}`);
      return held.dev === file.dev && held.ino === file.ino;
    } catch {
      return false;
    }
  });
}
