import * as z from 'zod';
import { defineNotification } from '../method.js';
import { NOTIFICATION_NAMES } from '../method-names.js';
import { CompletionSchema } from './task-completions.js';

export const TaskDidExit = defineNotification({
  method: NOTIFICATION_NAMES.TaskDidExit,
  summary:
    'Sent to every initialized connection when a task ends, with its completion (and seq). A client that was ' +
    'away asks task/completions with `after` set to the last seq it saw.',
  params: () => z.object({ completion: CompletionSchema() }),
});
