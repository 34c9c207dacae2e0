import { type McpServer, ResourceNotFoundError } from '@modelcontextprotocol/server';
import type { TendClient } from '@tend/client';
import type { Completion } from '@tend/protocol/wire';
import { taskOutputUri } from './resources.js';
import { oneLine, taskState } from './tools/format.js';
import type { TendApi } from './tools/index.js';

/** MCP log levels, least severe first (RFC 5424 severities, as the MCP spec lists them). */
const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
type Level = (typeof LEVELS)[number];

/** The era an MCP server instance serves (serveStdio decides it from the client's first message). */
export type McpEra = 'legacy' | 'modern';

/** How many ends are remembered to tell each once (a reconnect's catch-up may repeat a few recent ones). */
const MAX_SEEN = 4096;

const OUTPUT_URI = /^tend:\/\/task\/([^/]+)\/output$/;

interface Attached {
  server: McpServer;
  era: McpEra;
  /** Subscribed URI → the id of the task it names (a URI may name a task by name or prefix). */
  subscriptions: Map<string, string>;
  /** Set by the client's logging/setLevel: the least severe level it wants; none, no log notifications. */
  logLevel?: Level;
}

/**
 * Tells the MCP client when a task ends, in the ways the client asked for:
 *
 * - `notifications/resources/updated` for `tend://task/<id>/output` when the client subscribed to that
 *   resource (2025 era: `resources/subscribe`, by id, unique prefix or name; 2026-07-28 era:
 *   `subscriptions/listen` with `resourceSubscriptions`, whose filter the SDK's serveStdio applies);
 * - for tasks of this server's session, `notifications/message` (logger `tend`; level `notice` for a success,
 *   `warning` for any other end; `data`: `{message, completion}`) when the client has set a log level with
 *   `logging/setLevel` at or below that level.
 *   MCP has no client capability for log messages: setting a level is how a client says it takes them. Not on
 *   the 2026-07-28 era, which deprecates server logging (SEP-2577) and has no unsolicited log channel.
 *
 * Ends come from the daemon's task/didExit notifications; after a reconnect the ends missed meanwhile are
 * fetched with task/completions `after` the last seq seen, so a daemon restart loses none, and none is told twice.
 * Nothing is acknowledged in the inbox: task_inbox still lists the end.
 */
export class TaskEndNotifier {
  private readonly attached = new Set<Attached>();
  private readonly seen = new Set<number>();
  private lastSeq: number | undefined;

  /**
   * @param session the server's session: only ends of its tasks are told.
   * @param tend the daemon client, to resolve subscribed names to task ids.
   */
  constructor(
    private readonly session: string,
    private readonly tend: () => Promise<TendApi>,
  ) {}

  /**
   * Serves resource subscriptions and log levels on `server` (before it connects) and tells it of ends
   * until it closes. `server` must declare `resources: {subscribe: true}` and `logging: {}`.
   */
  attach(server: McpServer, era: McpEra): void {
    const entry: Attached = { server, era, subscriptions: new Map() };
    this.attached.add(entry);
    const inner = server.server.onclose;
    server.server.onclose = () => {
      this.attached.delete(entry);
      inner?.();
    };
    if (era === 'modern') return;
    server.server.setRequestHandler('resources/subscribe', async (request) => {
      const uri = request.params.uri;
      entry.subscriptions.set(uri, await this.taskIdOf(uri));
      return {};
    });
    server.server.setRequestHandler('resources/unsubscribe', async (request) => {
      entry.subscriptions.delete(request.params.uri);
      return {};
    });
    server.server.setRequestHandler('logging/setLevel', async (request) => {
      entry.logLevel = request.params.level;
      return {};
    });
  }

  /** Listens to `client`'s task ends (and catches up after each of its reconnects). */
  watch(client: Pick<TendClient, 'onTaskDidExit' | 'onReconnect' | 'completions'>): void {
    client.onTaskDidExit(({ completion }) => this.taskEnded(completion));
    client.onReconnect(() => {
      if (this.lastSeq === undefined) return;
      client
        .completions({ session: this.session, after: this.lastSeq })
        .then(({ completions }) => {
          for (const completion of completions) this.taskEnded(completion);
        })
        .catch(() => undefined);
    });
  }

  /**
   * Tells every attached server that asked for it that `completion`'s task ended (once per end): a resource
   * update to clients subscribed to that task's output (whatever its session: they named it), a log message
   * to clients that set a log level, for tasks of this server's session only.
   */
  taskEnded(completion: Completion): void {
    if (this.seen.has(completion.seq)) return;
    this.seen.add(completion.seq);
    // Remember the newest ends only: a Set iterates in insertion order, so the first is the oldest.
    if (this.seen.size > MAX_SEEN) this.seen.delete(this.seen.values().next().value as number);
    const ofSession = completion.session === this.session;
    if (ofSession) this.lastSeq = Math.max(this.lastSeq ?? 0, completion.seq);
    // A task run with `notify: false` is not announced (issue 17); `trigger` tasks always are, as for the hooks.
    const told = ofSession && (completion.notify !== false || completion.trigger === true);
    const level: Level = completion.state === 'succeeded' ? 'notice' : 'warning';
    const name = completion.name ? ` "${completion.name}"` : '';
    const message = `tend task ${completion.taskId}${name} ended: ${taskState(completion)} — ${oneLine(completion.command)}`;
    for (const entry of this.attached) {
      const send = (work: Promise<void>) => void work.catch(() => undefined);
      if (entry.era === 'modern') {
        // serveStdio's listen router delivers it to the subscriptions/listen filters that name this URI, or drops it.
        send(entry.server.server.sendResourceUpdated({ uri: taskOutputUri(completion.taskId) }));
        continue;
      }
      for (const [uri, taskId] of entry.subscriptions)
        if (taskId === completion.taskId) send(entry.server.server.sendResourceUpdated({ uri }));
      if (told && entry.logLevel !== undefined && LEVELS.indexOf(level) >= LEVELS.indexOf(entry.logLevel))
        send(
          entry.server.server.sendLoggingMessage({ level, logger: 'tend', data: { message, completion } }),
        );
    }
  }

  /**
   * The task id a subscribed URI names.
   * @throws ResourceNotFoundError for a URI that is not a task output or names no task.
   */
  private async taskIdOf(uri: string): Promise<string> {
    const ref = OUTPUT_URI.exec(uri)?.[1];
    if (ref === undefined)
      throw new ResourceNotFoundError(uri, `${uri}: not a tend resource (tend://task/<id>/output)`);
    try {
      return (await (await this.tend()).get(decodeURIComponent(ref))).id;
    } catch (error) {
      throw new ResourceNotFoundError(uri, `${uri}: ${(error as Error).message}`);
    }
  }
}
