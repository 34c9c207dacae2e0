import { z } from 'zod';
import { defineRequest } from '../method.js';
import { TaskRefSchema } from './task-get.js';

/** Largest `limit` of one `task/output` read, in bytes (1 MiB). */
export const MAX_OUTPUT_LIMIT = 1024 * 1024;
/** Default `limit` of one read, in bytes (64 KiB). */
export const DEFAULT_OUTPUT_LIMIT = 64 * 1024;

const Count = z.number().int().min(0);
const Window = z
  .object({ bytes: Count.optional(), lines: Count.optional() })
  .strict()
  .refine((w) => (w.bytes === undefined) !== (w.lines === undefined), 'give exactly one of bytes or lines')
  // The refinement, restated as JSON Schema for docs/protocol.schema.json (zod cannot export refinements).
  .meta({ description: 'exactly one of bytes or lines', oneOf: [{ required: ['bytes'] }, { required: ['lines'] }] });

export const TaskOutput = defineRequest({
  method: 'task/output',
  summary:
    "A bounded read of the task's output log, addressed by byte offset. Give at most one of `offset` (read from " +
    'there; default 0), `head` (the first N bytes or lines) or `tail` (the last N bytes or lines). At most `limit` ' +
    'bytes come back; `truncated` says the selection was cut by it: an offset or head read stops early (resume at ' +
    '`nextOffset`), a tail read keeps the newest `limit` bytes. `nextOffset` is where the next read starts. Reads ' +
    'never split a UTF-8 character; bytes that are not UTF-8 come back as U+FFFD. When the output cap has dropped ' +
    'the head of the log, a read that starts there begins at the oldest byte kept and `skippedBytes` says how ' +
    'many it missed.',
  params: z
    .object({
      id: TaskRefSchema,
      offset: Count.optional().describe('byte offset to read from'),
      head: Window.optional().describe('read the first N bytes or lines'),
      tail: Window.optional().describe('read the last N bytes or lines'),
      limit: z.number().int().min(1).max(MAX_OUTPUT_LIMIT).default(DEFAULT_OUTPUT_LIMIT).describe('bytes'),
    })
    .strict()
    .refine(
      (p) => [p.offset, p.head, p.tail].filter((x) => x !== undefined).length <= 1,
      'give at most one of offset, head or tail',
    )
    .meta({
      not: {
        anyOf: [{ required: ['offset', 'head'] }, { required: ['offset', 'tail'] }, { required: ['head', 'tail'] }],
      },
    }),
  result: z.object({
    data: z.string().describe('the bytes read, decoded as UTF-8'),
    offset: z.number().int().describe('byte offset of the first byte of data'),
    nextOffset: z.number().int().describe('byte offset just after data: pass it as offset to continue'),
    totalBytes: z.number().int().describe('size of the log when read'),
    skippedBytes: z
      .number()
      .int()
      .describe('bytes of the selection that were dropped by the output cap before they could be read (0 mostly)'),
    truncated: z
      .boolean()
      .describe('the selection held more than limit bytes: offset/head reads continue at nextOffset; tail reads lost their start'),
    ended: z.boolean().describe('the task has ended: the log will not grow'),
  }),
  errors: ['task_not_found', 'ambiguous_id'],
});
