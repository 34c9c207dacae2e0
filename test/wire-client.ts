import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { frame, splitFrames } from './support/frames.mjs';
import type { WireJson } from './support/wire-json.js';

export { frame };

/** Resident set size of process `pid`, in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/**
 * A client that speaks the wire format by hand, to send what a well-behaved
 * library never would: any bytes, pipelined requests, abrupt closes. Replies
 * are parsed as they come; `closed` turns true when the daemon hangs up.
 */
export class WireClient {
  readonly replies: WireJson[] = [];
  closed = false;
  private pending: Buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly waiters = new Map<number | string, (reply: WireJson) => void>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('close', () => {
      this.closed = true;
      for (const resolve of this.waiters.values()) resolve({ closed: true });
      this.waiters.clear();
    });
    socket.on('error', () => undefined);
  }

  /** Connects to the Unix socket at `path`. @throws Error when the connection is refused. */
  static async open(path: string): Promise<WireClient> {
    const socket = connect(path);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new WireClient(socket);
  }

  /** Connects and sends `daemon/initialize`. @throws Error when the daemon answers with an error. */
  static async initialized(path: string, name = 'wire-test'): Promise<WireClient> {
    const client = await WireClient.open(path);
    const reply = await client.request('daemon/initialize', { protocolVersion: 2, client: { name } });
    if (!reply.result) throw new Error(`initialize failed: ${JSON.stringify(reply)}`);
    return client;
  }

  /** Writes raw bytes; resolves once the kernel took them or the socket is gone. */
  send(bytes: Buffer | string): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.write(bytes, () => resolve()));
  }

  /** Sends a request and resolves with the whole reply (`{result}` or `{error}`), or `{closed: true}`. */
  request(method: string, params?: unknown): Promise<WireJson> {
    const id = this.nextId++;
    const reply = new Promise<WireJson>((resolve) => this.waiters.set(id, resolve));
    if (this.closed) return Promise.resolve({ closed: true });
    void this.send(frame({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    return reply;
  }

  /** Closes at once, without waiting for anything. */
  destroy(): void {
    this.socket.destroy();
  }

  private onData(data: Buffer): void {
    const { messages, rest } = splitFrames(Buffer.concat([this.pending, data]));
    this.pending = rest;
    for (const reply of messages as WireJson[]) {
      this.replies.push(reply);
      const waiter = this.waiters.get(reply.id);
      if (waiter) {
        this.waiters.delete(reply.id);
        waiter(reply);
      }
    }
  }
}
