import { TaskOutput } from '@tend/protocol';
import { readTaskOutput } from '../../tasks/output-read.js';
import { defineHandler } from '../handler.js';

export const taskOutput = defineHandler(TaskOutput, (params, { supervisor, connection, signal }) =>
  readTaskOutput(supervisor, params, params.reader ?? connection.readerName, signal),
);
