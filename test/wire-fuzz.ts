import { frame } from './wire-client.js';

/** A seeded PRNG (mulberry32, public domain): the same seed gives the same cases. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A directory that does not exist: every `task/run` the fuzzer sends fails invalid_cwd, so no command ever runs. */
export const FUZZ_CWD = '/nonexistent-tend-fuzz/never';

/** Valid params of every method but daemon/shutdown, pointing at nothing: the fuzzer mutates them. */
const VALID: Record<string, () => Record<string, unknown>> = {
  'daemon/initialize': () => ({ protocolVersion: 2, client: { name: 'fuzz' } }),
  'daemon/status': () => ({}),
  'task/run': () => ({ command: 'true', cwd: FUZZ_CWD, env: { A: 'b' }, name: 'fuzz' }),
  'task/list': () => ({ limit: 5, state: ['running'] }),
  'task/get': () => ({ id: 'zzzzzz' }),
  'task/output': () => ({ id: 'zzzzzz', tail: { lines: 5 }, grep: { pattern: 'x' } }),
  'task/wait': () => ({ id: 'zzzzzz', timeoutMs: 0, until: { output: 'x' } }),
  'task/kill': () => ({ id: 'zzzzzz', signal: 'SIGTERM' }),
  'task/remove': () => ({ id: 'zzzzzz' }),
  'task/completions': () => ({ limit: 5 }),
  'task/stats': () => ({ ids: ['zzzzzz'] }),
};
const METHODS = Object.keys(VALID);

/** One fuzz case: bytes to send, and whether to drop the connection right after them. */
export interface FuzzCase {
  kind: string;
  bytes: Buffer;
  disconnect: boolean;
}

/**
 * Makes malformed frames, bodies and params from a seed: broken headers,
 * truncated and oversized frames, invalid JSON, batches, non-objects, bad
 * ids, unknown methods, params with wrong types, NUL bytes, `=` in env
 * names, long strings and deep nesting. About a third of the cases end with
 * an abrupt disconnect.
 */
export class FuzzCases {
  constructor(private readonly random: () => number) {}

  next(): FuzzCase {
    const kinds: [string, () => Buffer][] = [
      ['request', () => frame(this.request())],
      ['request', () => frame(this.request())],
      ['request', () => frame(this.request())],
      ['invalid-json', () => frame(this.invalidJson())],
      ['batch', () => frame(JSON.stringify(Array.from({ length: this.int(4) }, () => this.request())))],
      [
        'not-rpc',
        () =>
          frame(
            JSON.stringify(
              this.pick([
                42,
                'x',
                null,
                true,
                [],
                { id: 1 },
                { jsonrpc: '1.0', id: 2, method: 'daemon/status' },
                { jsonrpc: '2.0', id: {}, method: 'x' },
                { jsonrpc: '2.0', id: 3, result: 1 },
              ]),
            ),
          ),
      ],
      [
        'cancel',
        () =>
          frame({
            jsonrpc: '2.0',
            method: '$/cancelRequest',
            params: { id: this.pick([this.int(1e6), 'x', null, {}]) },
          }),
      ],
      ['deep', () => frame(this.deepRequest())],
      ['bad-header', () => Buffer.from(this.badHeader(), 'latin1')],
      [
        'truncated',
        () => {
          const whole = frame(this.request());
          return whole.subarray(0, this.int(whole.length));
        },
      ],
      ['garbage', () => Buffer.from(Array.from({ length: this.int(300) }, () => this.int(256)))],
    ];
    const [kind, make] = this.pick(kinds);
    return { kind, bytes: make(), disconnect: this.random() < 0.33 };
  }

  int(below: number): number {
    return Math.floor(this.random() * below);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  private request(): Record<string, unknown> {
    const method = this.random() < 0.1 ? this.string(20) : this.pick(METHODS);
    const valid = VALID[method]?.() ?? {};
    const message: Record<string, unknown> = {
      jsonrpc: '2.0',
      id: this.random() < 0.9 ? this.int(1e6) : this.pick(['s', -1, 1.5, null]),
      method,
    };
    if (this.random() < 0.1) message.params = this.pick([[valid], 'x', 7, null]);
    else message.params = this.mutate(valid);
    if (
      method === 'task/run' &&
      message.params &&
      typeof message.params === 'object' &&
      !Array.isArray(message.params)
    ) {
      // Never a directory that exists: nothing the fuzzer makes may run.
      (message.params as Record<string, unknown>).cwd = `${FUZZ_CWD}/${this.string(5)}`;
    }
    return message;
  }

  private mutate(params: Record<string, unknown>): Record<string, unknown> {
    const out = { ...params };
    for (let i = this.int(3); i >= 0; i--) {
      const keys = Object.keys(out);
      const roll = this.random();
      if (roll < 0.15 || keys.length === 0) out[this.string(8)] = this.value(2);
      else if (roll < 0.3) delete out[this.pick(keys)];
      else out[this.pick(keys)] = this.value(3);
    }
    return out;
  }

  private value(depth: number): unknown {
    const choices: (() => unknown)[] = [
      () => this.int(2 ** 31) - 2 ** 30,
      () => this.pick([0, -1, 1e308, -0, 2 ** 53 + 1, 0.5]),
      () => this.string(40),
      () => `a\u0000b`,
      () => 'x'.repeat(this.pick([1000, 70_000, 140_000])),
      () => this.pick([true, false, null]),
      () => ({ 'PATH=/x:': 'y', '': 'e', 'K\u0000': 'v', OK: 'v\u0000' }),
      () => (depth > 0 ? Array.from({ length: this.int(4) }, () => this.value(depth - 1)) : []),
      () =>
        depth > 0
          ? Object.fromEntries(
              Array.from({ length: this.int(4) }, () => [this.string(6), this.value(depth - 1)]),
            )
          : {},
    ];
    return this.pick(choices)();
  }

  private string(max: number): string {
    const alphabet = 'abcXYZ09 _-./=:\\"\'\u00e9\u65e5\u{1f600}\n\t\u0000$`';
    const chars = Array.from(alphabet);
    return Array.from({ length: this.int(max) }, () => this.pick(chars)).join('');
  }

  private invalidJson(): string {
    return this.pick([
      '',
      '{',
      '{"jsonrpc":"2.0",',
      'nul',
      '{"a":1}}',
      '\u00ff\u00fe',
      '[1,2',
      '{"id":1,"method":"x","params":{"a":NaN}}',
      this.string(50),
    ]);
  }

  private deepRequest(): string {
    const depth = this.pick([33, 1000, 20_000]);
    const open = this.random() < 0.5 ? '[' : '{"a":';
    const close = open === '[' ? ']' : '}';
    return `{"jsonrpc":"2.0","id":${this.int(1e6)},"method":"${this.pick(METHODS)}","params":{"x":${open.repeat(depth)}1${close.repeat(depth)}}}`;
  }

  private badHeader(): string {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'daemon/status' });
    return this.pick([
      `Content-Length: 5\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      `Content-Length: ${body.length}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      `Content-Length: 1e3\r\n\r\n${body}`,
      `Content-Length: -1\r\n\r\n`,
      `Content-Length: 99999999999\r\n\r\n`,
      `Content-Length: ${64 * 1024 * 1024}\r\n\r\n${body}`,
      `Content-Type: x\r\n\r\n${body}`,
      `X: ${'y'.repeat(9000)}`,
      `nonsense\r\n\r\n`,
      `Content-Length: ${body.length + 50}\r\n\r\n${body}`,
    ]);
  }
}
