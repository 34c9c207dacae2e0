import * as z from 'zod';
import { defineRequest } from '../method.js';
import { MAX_SESSION_CHARS } from '../limits.js';
import { REQUEST_NAMES } from '../method-names.js';

export const DaemonInitialize = defineRequest({
  method: REQUEST_NAMES.DaemonInitialize,
  summary:
    'First request on every connection; other requests before it are refused with not_initialized. The daemon ' +
    'answers with its own protocolVersion. A client that finds it lower than its own shuts the daemon down and ' +
    "starts its own (tasks survive). A client whose protocolVersion is lower than the daemon's is refused with " +
    'protocol_mismatch.',
  params: () =>
    z
      .object({
        protocolVersion: z.number().int().positive().describe("client's PROTOCOL_VERSION"),
        client: z
          .object({
            name: z.string().min(1).max(100).describe('e.g. "tend-cli", "vscode-tend"'),
            version: z.string().max(100).optional(),
          })
          .strict(),
        session: z
          .string()
          .min(1)
          .max(MAX_SESSION_CHARS)
          .optional()
          .describe("e.g. an agent's conversation id; recorded on tasks it starts"),
      })
      .strict(),
  result: () =>
    z.object({
      version: z.string().describe('tend version of the daemon'),
      protocolVersion: z.number().int(),
      pid: z.number().int(),
      startedAt: z.string().describe('ISO 8601 time the daemon started'),
      socket: z.string(),
    }),
  errors: ['protocol_mismatch'],
});
