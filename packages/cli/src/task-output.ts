import { setTimeout as sleep } from 'node:timers/promises';
import type { TendClient } from '@tend/client';
import type { ParamsOf, TaskOutput } from '@tend/protocol';
import { MAX_OUTPUT_LIMIT, MIN_MAX_BYTES } from '@tend/protocol/wire';
import { withClient, type GlobalOptions } from './connect.js';
import { CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { checkPattern } from './pattern-check.js';
import { readSelection, readSince, type OutputRead, type ReadFn, type Selection } from './log-reader.js';
import { binaryOf, LogWriter, type WriteMode } from './log-writer.js';
import { printJson, printJsonLine, warn } from './output.js';
import { defaultReader } from './reader-name.js';

/** Options of `tend logs`. */
export interface LogsOptions extends GlobalOptions {
  follow?: boolean;
  /** Last N lines (`-n`). */
  lines?: number;
  /** First N lines (`--head`). */
  head?: number;
  /** Last N bytes (`--bytes`). */
  bytes?: number;
  /** Only what `reader` has not read yet (`since: 'last'`). */
  new?: boolean;
  /** Whose cursor `--new` uses and moves; implies --new. */
  reader?: string;
  /** Strip ANSI escapes, keep the last state of `\r`-redrawn lines. */
  clean?: boolean;
  /** Keep only lines matching this regular expression. */
  grep?: string;
  /** Lines of context around each --grep match (`-C`). */
  context?: number;
  /** --grep ignores case (`-i`). */
  ignoreCase?: boolean;
  /** At most this many bytes: head and tail kept, the middle replaced by one marker line. */
  maxBytes?: number;
}

/** Where `tend logs` starts: a selection of the log, or the reader's cursor. */
type Start = { selection: Selection } | { since: 'last'; reader: string };

/** Model-sized view parameters of task/output (clean, grep, maxBytes). */
type Filter = Pick<ParamsOf<typeof TaskOutput>, 'clean' | 'grep' | 'maxBytes'>;

/** Pause after a followed, filtered read that made no progress (a partial last line), in ms. */
export const FOLLOW_IDLE_MS = 100;
/** Most lines of context task/output's grep keeps around a match. */
const MAX_GREP_CONTEXT = 50;
/** Longest wait of one long-polling read, in ms (the daemon answers as soon as output comes). */
const POLL_MS = 25_000;

/**
 * `tend logs ID`: writes the task's output to stdout as-is, byte for byte
 * (read with task/output `encoding: "base64"`). Without a window,
 * the whole log, read in pages of {@link MAX_OUTPUT_LIMIT} bytes; `-n` the last
 * lines, `--head` the first lines, `--bytes` the last bytes; `--new` only what
 * the reader (`--reader`, default `cli:<user>`) has not read yet, moving its
 * durable cursor. `-f` then keeps reading with long polls (`client.follow`:
 * new bytes arrive as the daemon sees them) until the task has ended and its
 * log is read to the end. `--clean`, `--grep RE [-C N] [-i]` and
 * `--max-bytes N` ask the daemon for a model-sized view of the selection;
 * `-f --clean` (text, no --grep) instead cleans raw reads here, one finished
 * line at a time, so that `\r` redraws spread over many reads collapse.
 * `--json` (UTF-8 text) prints one merged `task/output` result, or with `-f` one JSON line
 * `{data, offset, nextOffset, skippedBytes, ended}` per read that returned
 * data (whole task/output results when filtered) and a last one with
 * `ended: true`. Output
 * dropped by the task's output cap is noted on stderr.
 * @returns the process exit code: 0, or 1 when `--grep` matched no line (as grep(1)).
 * @throws CliError for contradicting options, a --grep that is not RE2
 *   syntax; the client's task_not_found…
 */
export async function showLogs(id: string, options: LogsOptions): Promise<number> {
  const start = startOf(options);
  const filter = filterOf(options);
  if (options.grep !== undefined) await checkPattern('--grep', options.grep);
  if (options.follow && 'selection' in start && start.selection.kind === 'head-lines') {
    throw new CliError('--head cannot be combined with -f');
  }
  if (options.follow && options.maxBytes !== undefined)
    throw new CliError('--max-bytes cannot be combined with -f');
  // A followed --clean is cleaned here, line by line across reads; other views are the daemon's.
  const cleanHere =
    options.follow === true && options.clean === true && options.grep === undefined && !options.json;
  const mode: WriteMode = cleanHere ? 'clean-lines' : filter !== undefined || options.json ? 'text' : 'bytes';
  return withClient(options, async (client) => {
    const printer = new Printer(options, filter !== undefined && !cleanHere, new LogWriter(mode));
    if (filter && !cleanHere) await showFiltered(client, id, start, filter, printer, options.follow ?? false);
    else await showRaw(client, id, start, printer, options.follow ?? false, mode === 'bytes');
    await printer.finish();
    // As grep(1): 1 when --grep matched no line.
    return options.grep !== undefined && printer.matches === 0 ? ExitCode.NoMatch : ExitCode.Ok;
  });
}

/**
 * Raw output: the selection (or the unread part), then with `follow` long-polled chunks.
 * `bytes`: read with `encoding: "base64"` and hand the printer binary strings (exact bytes).
 */
async function showRaw(
  client: TendClient,
  id: string,
  start: Start,
  printer: Printer,
  follow: boolean,
  bytes: boolean,
): Promise<void> {
  const read: ReadFn = bytes
    ? async (params) => {
        const result = await client.output({ id, ...params, encoding: 'base64' });
        return { ...result, data: binaryOf(result.data), binary: true };
      }
    : (params) => client.output({ id, ...params });
  const sink = (chunk: OutputRead) => printer.read(chunk);
  // The selection (or the unread part) at once, without waiting…
  const first =
    'selection' in start
      ? await readSelection(read, start.selection, sink, MAX_OUTPUT_LIMIT)
      : await readSince(read, start.reader, sink, MAX_OUTPUT_LIMIT);
  if (!follow) return;
  // …then long polls from where it stopped (the reader's cursor moves along with --new).
  const chunks =
    'selection' in start
      ? client.follow(id, {
          offset: first.nextOffset,
          limit: MAX_OUTPUT_LIMIT,
          ...(bytes ? { encoding: 'base64' } : {}),
        })
      : client.follow(id, {
          since: 'last',
          reader: start.reader,
          limit: MAX_OUTPUT_LIMIT,
          ...(bytes ? { encoding: 'base64' } : {}),
        });
  let end = first.nextOffset;
  for await (const chunk of chunks) {
    await printer.chunk(bytes ? { ...chunk, data: binaryOf(chunk.data) } : chunk);
    end = chunk.nextOffset;
  }
  await printer.ended(end);
}

/**
 * A model-sized view: one read of the whole selection with clean/grep/maxBytes.
 * With `follow`, then long-polling reads of what comes after it, each filtered
 * the same way, until the task has ended and the log is read to the end.
 */
async function showFiltered(
  client: TendClient,
  id: string,
  start: Start,
  filter: Filter,
  printer: Printer,
  follow: boolean,
): Promise<void> {
  const base = { id, ...filter, limit: MAX_OUTPUT_LIMIT };
  const since = 'since' in start ? ({ since: 'last', reader: start.reader } as const) : undefined;
  let chunk = await client.output({
    ...base,
    ...(since ?? windowOf((start as { selection: Selection }).selection)),
  });
  await printer.read(chunk, !follow);
  while (follow && !(chunk.ended && chunk.nextOffset >= chunk.totalBytes)) {
    const before = chunk.nextOffset;
    chunk = await client.output({ ...base, ...(since ?? { offset: before }), waitMs: POLL_MS });
    if (chunk.data !== '' || chunk.skippedBytes > 0 || chunk.ended) await printer.read(chunk, false);
    // grep leaves a live task's unfinished last line for later: do not ask again at once.
    if (chunk.nextOffset <= before && !chunk.ended) await sleep(FOLLOW_IDLE_MS);
  }
}

/** task/output's window for a selection (model-sized reads take it whole). */
function windowOf(selection: Selection): Pick<ParamsOf<typeof TaskOutput>, 'offset' | 'head' | 'tail'> {
  switch (selection.kind) {
    case 'whole':
      return { offset: 0 };
    case 'head-lines':
      return { head: { lines: selection.lines } };
    case 'tail-lines':
      return { tail: { lines: selection.lines } };
    case 'tail-bytes':
      return { tail: { bytes: selection.bytes } };
  }
}

/**
 * Where the options say to start.
 * @throws CliError when more than one of -n, --head and --bytes is given, or
 *   one of them with --new.
 */
function startOf(options: LogsOptions): Start {
  const given = [options.lines, options.head, options.bytes].filter((n) => n !== undefined).length;
  if (given > 1) throw new CliError('give at most one of -n, --head and --bytes');
  if (options.new || options.reader !== undefined) {
    if (given > 0)
      throw new CliError(
        '--new reads from where the reader stopped; it cannot be combined with -n, --head or --bytes',
      );
    return { since: 'last', reader: options.reader ?? defaultReader() };
  }
  if (options.lines !== undefined) return { selection: { kind: 'tail-lines', lines: options.lines } };
  if (options.head !== undefined) return { selection: { kind: 'head-lines', lines: options.head } };
  if (options.bytes !== undefined) return { selection: { kind: 'tail-bytes', bytes: options.bytes } };
  return { selection: { kind: 'whole' } };
}

/**
 * The model-sized view the options ask for, or undefined for raw bytes.
 * @throws CliError for -C or -i without --grep, -C over 50 or --max-bytes outside 256 B – 1 MiB.
 */
function filterOf(options: LogsOptions): Filter | undefined {
  if (options.grep === undefined && (options.context !== undefined || options.ignoreCase)) {
    throw new CliError('-C and -i go with --grep');
  }
  if (options.context !== undefined && options.context > MAX_GREP_CONTEXT) {
    throw new CliError(`-C: at most ${MAX_GREP_CONTEXT} lines of context`);
  }
  if (
    options.maxBytes !== undefined &&
    (options.maxBytes < MIN_MAX_BYTES || options.maxBytes > MAX_OUTPUT_LIMIT)
  ) {
    throw new CliError(
      `--max-bytes: ${options.maxBytes} is not between ${MIN_MAX_BYTES} and ${MAX_OUTPUT_LIMIT}`,
    );
  }
  if (!options.clean && options.grep === undefined && options.maxBytes === undefined) return undefined;
  return {
    ...(options.clean ? { clean: true } : {}),
    ...(options.grep !== undefined
      ? {
          grep: {
            pattern: options.grep,
            context: options.context ?? 0,
            ignoreCase: options.ignoreCase ?? false,
          },
        }
      : {}),
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
  };
}

/**
 * Prints reads as text (data as-is) or JSON (one merged result; JSON lines
 * when following), and notes bytes the output cap dropped on stderr at the end.
 */
class Printer {
  private readonly reads: OutputRead[] = [];
  private dropped = 0;
  /** Lines `--grep` matched in every read so far. */
  matches = 0;
  private lastLine: { data: string; ended: boolean } | undefined;

  constructor(
    private readonly options: LogsOptions,
    private readonly filtered: boolean,
    private readonly writer: LogWriter,
  ) {}

  /** One task/output result; `merge`: collected for one JSON document (no -f). */
  async read(chunk: OutputRead, merge = !this.options.follow): Promise<void> {
    this.dropped += chunk.skippedBytes;
    this.matches += chunk.matches ?? 0;
    if (!this.options.json) return this.writer.write(chunk.data);
    if (merge) {
      this.reads.push(chunk);
      return;
    }
    if (chunk.data === '' && chunk.skippedBytes === 0 && !chunk.ended) return;
    // Raw follow lines all have the shape of client.follow()'s chunks; filtered ones are whole results (matches…).
    const { data, offset, nextOffset, skippedBytes, ended } = chunk;
    await this.line(this.filtered ? chunk : { data, offset, nextOffset, skippedBytes, ended });
  }

  /** One chunk of client.follow(). */
  async chunk(chunk: {
    data: string;
    offset: number;
    nextOffset: number;
    skippedBytes: number;
  }): Promise<void> {
    this.dropped += chunk.skippedBytes;
    if (this.options.json) await this.line({ ...chunk, ended: false });
    else await this.writer.write(chunk.data);
  }

  /** Following raw output ended at byte `offset`: the last JSON line says so. */
  async ended(offset: number): Promise<void> {
    if (this.options.json && !(this.lastLine?.ended && this.lastLine.data === '')) {
      await this.line({ data: '', offset, nextOffset: offset, skippedBytes: 0, ended: true });
    }
  }

  async finish(): Promise<void> {
    await this.writer.end();
    if (this.options.json && this.reads.length > 0) await printJson(mergeReads(this.reads));
    if (this.dropped > 0) {
      warn(
        `${this.dropped} bytes of this output were dropped by the task's output cap before they could be read`,
      );
    }
  }

  private async line<T extends { data: string; ended: boolean }>(value: T): Promise<void> {
    this.lastLine = value;
    await printJsonLine(value);
  }
}

/** Joins consecutive reads into one `task/output`-shaped result. */
function mergeReads(reads: readonly OutputRead[]): OutputRead {
  const first = reads[0];
  const last = reads.at(-1);
  if (!first || !last) throw new Error('mergeReads needs at least one read');
  return {
    ...last,
    data: reads.map((r) => r.data).join(''),
    offset: first.offset,
    skippedBytes: reads.reduce((sum, r) => sum + r.skippedBytes, 0),
    omittedBytes: reads.reduce((sum, r) => sum + r.omittedBytes, 0),
    truncated: false,
  };
}
