import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import {
  DEFAULT_OUTPUT_LIMIT,
  MAX_GREP_CONTEXT,
  MAX_OUTPUT_LIMIT,
  MAX_OUTPUT_WAIT_MS,
  MAX_PATTERN_CHARS,
  MIN_MAX_BYTES,
} from '../limits.js';
import { TaskRefSchema } from './task-get.js';
import { patternProblem } from '../pattern.js';

const Count = lazySchema(() => z.number().int().min(0));
const Window = lazySchema(() =>
  z
    .object({ bytes: Count().optional(), lines: Count().optional() })
    .strict()
    .refine((w) => (w.bytes === undefined) !== (w.lines === undefined), 'give exactly one of bytes or lines')
    // The refinement, restated as JSON Schema for docs/protocol.schema.json (zod cannot export refinements).
    .meta({
      description: 'exactly one of bytes or lines',
      oneOf: [{ required: ['bytes'] }, { required: ['lines'] }],
    }),
);

/** A reader's name for `since: "last"`: whose cursor moves. */
export const ReaderSchema = lazySchema(() =>
  z.string().min(1).max(100).describe('name of the reader whose cursor `since: "last"` uses'),
);

export const GrepSchema = lazySchema(() =>
  z
    .object({
      pattern: z
        .string()
        .min(1)
        .max(MAX_PATTERN_CHARS)
        .superRefine((p, ctx) => {
          const problem = patternProblem(p);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `refused: ${problem}` });
        })
        .describe(
          'RE2 regular expression matched against each line (linear time; no backreferences or lookaround)',
        ),
      context: z
        .number()
        .int()
        .min(0)
        .max(MAX_GREP_CONTEXT)
        .default(0)
        .describe('lines of context kept before and after each match'),
      ignoreCase: z.boolean().default(false).describe('match without regard to case'),
    })
    .strict()
    .describe('keep only the lines matching pattern, with context lines around them'),
);

export const TaskOutput = defineRequest({
  method: REQUEST_NAMES.TaskOutput,
  summary:
    "A bounded read of the task's output log, addressed by byte offset. Give at most one of `offset` (read from " +
    'there; default 0), `head` (the first N bytes or lines) or `tail` (the last N bytes or lines). At most `limit` ' +
    'bytes come back; `truncated` says the selection was cut by it: an offset or head read stops early (resume at ' +
    '`nextOffset`), a tail read keeps the newest `limit` bytes. `nextOffset` is where the next read starts. By ' +
    'default `data` is text: reads never split a UTF-8 character, and bytes that are not UTF-8 come back as ' +
    'U+FFFD; with `encoding: "base64"` it is the exact bytes, base64-encoded, cut anywhere. When the output cap ' +
    'has dropped the head of the log, a read that starts there begins at the oldest byte kept (the start of a ' +
    'line) and `skippedBytes` says how many it missed. For agents: `since: "last"` reads only what `reader` has ' +
    "not read yet (a cursor kept in the daemon's database, surviving restarts of both sides); `maxBytes` keeps " +
    'the head and the tail of what was selected and replaces the middle with one marker line (`omittedBytes` ' +
    'counts it); `clean` removes ANSI escape sequences and keeps only the last state of lines redrawn with `\\r` ' +
    '(progress bars); `grep` keeps matching lines with context (RE2 syntax, matched in linear time). `waitMs` ' +
    'turns a read that finds nothing new into a long poll: it answers as soon as output arrives or the task ends.',
  params: () =>
    z
      .object({
        id: TaskRefSchema(),
        offset: Count().optional().describe('byte offset to read from'),
        head: Window().optional().describe('read the first N bytes or lines'),
        tail: Window().optional().describe('read the last N bytes or lines'),
        since: z
          .literal('last')
          .optional()
          .describe('read from where `reader` stopped last time (0 the first time)'),
        reader: ReaderSchema()
          .optional()
          .describe("whose cursor: default the connection's session, else its client name"),
        limit: z
          .number()
          .int()
          .min(1)
          .max(MAX_OUTPUT_LIMIT)
          .default(DEFAULT_OUTPUT_LIMIT)
          .describe('most bytes returned'),
        maxBytes: z
          .number()
          .int()
          .min(MIN_MAX_BYTES)
          .max(MAX_OUTPUT_LIMIT)
          .optional()
          .describe(
            'model-sized read: at most this many bytes of data, head and tail kept, the middle omitted',
          ),
        clean: z.boolean().default(false).describe('strip ANSI escapes and collapse \\r-redrawn lines'),
        encoding: z
          .enum(['utf8', 'base64'])
          .optional()
          .describe('how `data` carries the bytes: UTF-8 text (the default) or base64 of the exact bytes'),
        grep: GrepSchema().optional(),
        waitMs: z
          .number()
          .int()
          .min(0)
          .max(MAX_OUTPUT_WAIT_MS)
          .optional()
          .describe('when nothing new is there yet and the task runs, wait up to this many ms for output'),
      })
      .strict()
      .refine(
        (p) => [p.offset, p.head, p.tail, p.since].filter((x) => x !== undefined).length <= 1,
        'give at most one of offset, head, tail or since',
      )
      .meta({
        not: {
          anyOf: [
            { required: ['offset', 'head'] },
            { required: ['offset', 'tail'] },
            { required: ['head', 'tail'] },
            { required: ['since', 'offset'] },
            { required: ['since', 'head'] },
            { required: ['since', 'tail'] },
          ],
        },
      }),
  result: () =>
    z.object({
      data: z.string().describe('the bytes read: decoded as UTF-8, or base64-encoded with encoding base64'),
      offset: z.number().int().describe('byte offset of the first byte of data'),
      nextOffset: z.number().int().describe('byte offset just after data: pass it as offset to continue'),
      totalBytes: z.number().int().describe('size of the log when read'),
      skippedBytes: z
        .number()
        .int()
        .describe(
          'bytes of the selection that were dropped by the output cap before they could be read (0 mostly)',
        ),
      truncated: z
        .boolean()
        .describe(
          'the selection held more than limit bytes: offset/head reads continue at nextOffset; tail reads lost their start',
        ),
      ended: z.boolean().describe('the task has ended: the log will not grow'),
      omittedBytes: z
        .number()
        .int()
        .describe(
          'bytes of the selection left out of data by maxBytes (or before the last 16 MiB filtered); 0 mostly',
        ),
      matches: z.number().int().optional().describe('with grep: number of matching lines in the selection'),
    }),
  errors: ['task_not_found', 'ambiguous_id'],
});
