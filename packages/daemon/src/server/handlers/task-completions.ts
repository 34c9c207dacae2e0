import { TaskCompletions } from '@tend/protocol';
import { defineHandler } from '../handler.js';

export const taskCompletions = defineHandler(TaskCompletions, (params, { supervisor, connection }) => {
  const session = params.session ?? connection.session;
  const ackKey = session ?? '';
  const completions = supervisor.completions.list({
    ...(session !== undefined ? { session } : {}),
    ...(params.after !== undefined ? { after: params.after } : {}),
    ackKey,
    ...(params.notify !== undefined ? { notify: params.notify } : {}),
    limit: params.limit,
  });
  if (params.ack)
    supervisor.completions.ack(
      ackKey,
      completions.map((c) => c.seq),
    );
  return { completions, lastSeq: supervisor.completions.lastSeq() };
});
