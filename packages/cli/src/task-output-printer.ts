import type { OutputRead } from './output-reader.js';
import type { OutputWriter } from './output-writer.js';
import { printJson, printJsonLine, warn } from './output.js';

/** What the printer needs of `tend logs`'s options. */
export interface PrinterOptions {
  /** Print JSON (one merged document; JSON lines when following). */
  json?: boolean;
  /** Following: every read becomes one JSON line. */
  follow?: boolean;
}

/**
 * Prints reads as text (data as-is) or JSON (one merged result; JSON lines
 * when following), and notes bytes the output cap dropped on stderr at the end.
 */
export class OutputPrinter {
  private readonly reads: OutputRead[] = [];
  private dropped = 0;
  /** Lines `--grep` matched in every read so far. */
  matches = 0;
  private lastLine: { data: string; ended: boolean } | undefined;

  constructor(
    private readonly options: PrinterOptions,
    private readonly filtered: boolean,
    private readonly writer: OutputWriter,
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
    const [first, ...more] = this.reads;
    if (this.options.json && first) await printJson(mergeReads([first, ...more]));
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

/** Joins consecutive reads (at least one) into one `task/output`-shaped result. */
function mergeReads([first, ...more]: readonly [OutputRead, ...OutputRead[]]): OutputRead {
  const reads = [first, ...more];
  const last = more.at(-1) ?? first;
  return {
    ...last,
    data: reads.map((r) => r.data).join(''),
    offset: first.offset,
    skippedBytes: reads.reduce((sum, r) => sum + r.skippedBytes, 0),
    omittedBytes: reads.reduce((sum, r) => sum + r.omittedBytes, 0),
    truncated: false,
  };
}
