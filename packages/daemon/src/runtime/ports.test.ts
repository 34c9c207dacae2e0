import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { formatAddress, listeningSockets, socketInodes } from './ports.js';

describe('formatAddress', () => {
  it('reads an IPv4 address whose word is in little-endian order', () => {
    expect(formatAddress('0100007F')).toBe('127.0.0.1');
    expect(formatAddress('00000000')).toBe('0.0.0.0');
    expect(formatAddress('0101A8C0')).toBe('192.168.1.1');
  });

  it('writes the IPv6 any address as ::', () => {
    expect(formatAddress('00000000000000000000000000000000')).toBe('::');
  });

  it('writes the IPv6 loopback as ::1', () => {
    expect(formatAddress('00000000000000000000000001000000')).toBe('::1');
  });

  it('writes an IPv4-mapped IPv6 address with a dotted IPv4 part', () => {
    expect(formatAddress('0000000000000000FFFF00000100007F')).toBe('::ffff:127.0.0.1');
    expect(formatAddress('0000000000000000ffff00000101a8c0')).toBe('::ffff:192.168.1.1');
  });

  it('compresses only the longest run of zero groups, keeps a single zero group and drops leading zeros (RFC 5952)', () => {
    // fe80::1
    expect(formatAddress('000080FE000000000000000001000000')).toBe('fe80::1');
    // 2001:db8::1 — words 2001:0db8, 0:0, 0:0, 0:1
    expect(formatAddress('B80D0120000000000000000001000000')).toBe('2001:db8::1');
    // 2001:db8:0:1:1:1:1:1 — one zero group is not compressed
    expect(formatAddress('B80D0120010000000100010001000100')).toBe('2001:db8:0:1:1:1:1:1');
    // 2001:0:0:1:0:0:0:1 — the longer run of three wins
    expect(formatAddress('00000120010000000000000001000000')).toBe('2001:0:0:1::1');
    // fe80:: — trailing run
    expect(formatAddress('000080FE000000000000000000000000')).toBe('fe80::');
  });

  it('compresses the first of two equally long zero runs (RFC 5952 section 4.2.3)', () => {
    // 2001:db8:0:0:1:0:0:1
    expect(formatAddress('B80D0120000000000000010001000000')).toBe('2001:db8::1:0:0:1');
  });
});

describe('listeningSockets and socketInodes', () => {
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  const listen = (host: string) =>
    new Promise<number>((resolve, reject) => {
      const listening = createServer();
      server = listening;
      listening.once('error', reject);
      listening.listen(0, host, () => resolve((listening.address() as { port: number }).port));
    });

  it('finds a server this process listens with, under an inode that this process holds', async () => {
    const port = await listen('127.0.0.1');
    const sockets = listeningSockets();
    const found = [...sockets.entries()].filter(([, socket]) => socket.port === port);
    expect(found.map(([, socket]) => socket)).toStrictEqual([{ port, address: '127.0.0.1', family: 'tcp' }]);
    const [inode] = found[0] as [number, unknown];
    expect(inode).toBeGreaterThan(0);
    expect(socketInodes(process.pid)).toContain(inode);
  });

  it('stops listing the server once it is closed', async () => {
    const port = await listen('127.0.0.1');
    expect([...listeningSockets().values()].some((s) => s.port === port)).toBe(true);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    expect([...listeningSockets().values()].some((s) => s.port === port)).toBe(false);
  });

  it('finds an IPv6 loopback server as tcp6 ::1 when IPv6 is available', async (context) => {
    let port: number;
    try {
      port = await listen('::1');
    } catch {
      server = undefined;
      context.skip();
      return;
    }
    const found = [...listeningSockets().values()].filter((s) => s.port === port);
    expect(found).toStrictEqual([{ port, address: '::1', family: 'tcp6' }]);
  });

  it('gives no socket inodes for a pid that does not exist', () => {
    expect(socketInodes(2 ** 22 + 12345)).toEqual([]);
  });
});
