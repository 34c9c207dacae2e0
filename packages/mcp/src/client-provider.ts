import { TendClient, type ConnectOptions } from '@tend/client';

/**
 * One TendClient for the whole server, connected on first use (so that the MCP
 * handshake never waits for a daemon to start). The client itself reconnects
 * after a daemon restart or crash (a pending wait or read resumes); a new one
 * is connected only once it has given up (daemon stopped on purpose, or
 * unreachable) — its tasks survive and so should the agent's access to them.
 */
export class ClientProvider {
  private client: TendClient | undefined;
  private connecting: Promise<TendClient> | undefined;
  private closed = false;

  /**
   * @param options how to connect (and auto-start the daemon).
   * @param onConnect called with each newly connected client (e.g. to listen to its notifications).
   */
  constructor(
    private readonly options: ConnectOptions,
    private readonly onConnect?: (client: TendClient) => void,
  ) {}

  /**
   * The connected client; connects (auto-starting the daemon) when there is none or it was lost.
   * Concurrent callers share one connect attempt; a failed attempt is not cached.
   * @throws the client's DaemonUnreachableError, ProtocolMismatchError…; Error once {@link close} was called.
   */
  get(): Promise<TendClient> {
    if (this.closed) return Promise.reject(new Error('the tend MCP server is shutting down'));
    if (this.client && !this.client.isClosed) return Promise.resolve(this.client);
    this.connecting ??= TendClient.connect(this.options).then(
      (client) => {
        this.client = client;
        this.connecting = undefined;
        this.onConnect?.(client);
        return client;
      },
      (error: unknown) => {
        this.connecting = undefined;
        throw error;
      },
    );
    return this.connecting;
  }

  /**
   * Connects in the background when a daemon already answers, and never starts one: the server is then at once
   * a client of its session, which keeps that session's tasks with lifetime "session" (an agent or editor
   * restarted within the daemon's sessionGraceMs finds them still running). Failures are ignored; {@link get}
   * connects (and auto-starts) on the first tool call as before.
   */
  warmUp(): void {
    if (this.closed || this.client || this.connecting) return;
    void TendClient.connect({ ...this.options, autoStart: false, reconnect: false })
      .then(async (probe) => {
        await probe.close();
        if (!this.closed) await this.get();
      })
      .catch(() => undefined);
  }

  /** Closes the connection, if any; later {@link get} calls fail. Tasks are not touched. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    await client?.close().catch(() => undefined);
  }
}
