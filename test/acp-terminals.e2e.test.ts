import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as acp from '@agentclientprotocol/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tendTerminals } from '../packages/acp/dist/index.js';
import { TendClient } from '../packages/client/dist/index.js';
import { DAEMON_BIN } from './daemon-harness.js';
import { cleanUpTendHome, cliEnv, daemonPid, makeTendHome } from './helpers.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

// Issue 17, ACP half: an ACP client (the editor) hands its agent's terminals to tend with @tend/acp.
// The official ACP library (@agentclientprotocol/sdk) drives both sides: an agent app calls the five
// terminal methods over a newline-delimited JSON stream pair to a client app whose terminal handlers are
// tend's, against a real daemon in a fresh TEND_HOME.

let home: string;
let tend: TendClient;
let editor: acp.ClientConnection | undefined;

beforeEach(async () => {
  home = makeTendHome();
  mkdirSync(join(home, 'project'));
  tend = await TendClient.connect({ env: cliEnv(home), daemonCommand: [process.execPath, DAEMON_BIN] });
});

afterEach(async () => {
  editor?.close();
  editor = undefined;
  await tend.close();
  await cleanUpTendHome(home);
});

/** A pipe of bytes: what one side writes the other reads. */
function pipe() {
  return new TransformStream<Uint8Array, Uint8Array>();
}

/**
 * Connects an editor (ACP client app with tend's terminals) and an agent over a stream pair, and runs `op`
 * with the agent's context (what an agent uses to call `terminal/*` on the editor).
 */
async function asAgent<T>(op: (agent: acp.AgentContext) => Promise<T>): Promise<T> {
  const toEditor = pipe();
  const toAgent = pipe();
  const terminals = tendTerminals({ client: tend, cwd: join(home, 'project'), killGraceMs: 1_000 });
  editor = terminals.register(acp.client()).connect(acp.ndJsonStream(toAgent.writable, toEditor.readable));
  return acp.agent().connectWith(acp.ndJsonStream(toEditor.writable, toAgent.readable), op);
}

const session = { sessionId: 'sess-1' };

describe('@tend/acp: ACP v1 terminals served by tend', () => {
  it('runs a command that prints and exits 3: output, then wait_for_exit gives {exitCode: 3, signal: null}', async () => {
    await asAgent(async (agent) => {
      const terminal = await agent.createTerminal({
        ...session,
        command: 'printf',
        args: ['%s\\n', "it's here", 'second line'],
      });
      const shell = await agent.createTerminal({
        ...session,
        command: 'echo "$GREETING from $PWD"; exit 3',
        env: [{ name: 'GREETING', value: 'hello' }],
      });
      expect(await shell.waitForExit()).toEqual({ exitCode: 3, signal: null });
      expect(await shell.currentOutput()).toEqual({
        output: `hello from ${join(home, 'project')}\n`,
        truncated: false,
        exitStatus: { exitCode: 3, signal: null },
      });
      expect(await terminal.waitForExit()).toEqual({ exitCode: 0, signal: null });
      expect(await terminal.currentOutput()).toMatchObject({
        output: "it's here\nsecond line\n",
        truncated: false,
      });
      // The terminal is a tend task: `tend ps` and `tend logs` show it.
      expect(await tend.get(terminal.id)).toMatchObject({ state: 'succeeded', cwd: join(home, 'project') });
      await terminal.release();
      await shell.release();
    });
  }, 60_000);

  it('keeps the end of the output within outputByteLimit, cut at a character boundary', async () => {
    await asAgent(async (agent) => {
      // 'aé€😀' is 1 + 2 + 3 + 4 bytes; 20 of them then 'END' is 203 bytes.
      const line = 'aé€😀'.repeat(20);
      // The output ends '…é€😀END': '€😀END' is 3 + 4 + 3 = 10 bytes, so 11 bytes start on the last byte of
      // 'é' and 9 bytes on the last two of '€': those partial characters are dropped whole.
      for (const [limit, end] of [
        [11, '€😀END'],
        [9, '😀END'],
        [12, 'é€😀END'],
      ] as const) {
        const terminal = await agent.createTerminal({
          ...session,
          command: `printf '%sEND' '${line}'`,
          outputByteLimit: limit,
        });
        expect(await terminal.waitForExit()).toEqual({ exitCode: 0, signal: null });
        expect(await terminal.currentOutput()).toEqual({
          output: end,
          truncated: true,
          exitStatus: { exitCode: 0, signal: null },
        });
        expect(Buffer.byteLength(end)).toBeLessThanOrEqual(limit);
        await terminal.release();
      }

      const roomy = await agent.createTerminal({
        ...session,
        command: `printf '%s' '${line}'`,
        outputByteLimit: 1000,
      });
      await roomy.waitForExit();
      expect(await roomy.currentOutput()).toMatchObject({ output: line, truncated: false });
    });
  }, 60_000);

  it('kills a running command: wait_for_exit gives the signal, the terminal stays readable', async () => {
    await asAgent(async (agent) => {
      const ready = join(home, 'ready');
      const terminal = await agent.createTerminal({
        ...session,
        command: `echo started; touch '${ready}'; sleep 60`,
      });
      await pollUntil('the command to start', () => (existsSync(ready) ? true : undefined));
      expect((await terminal.currentOutput()).exitStatus).toBeUndefined();
      await terminal.kill();
      expect(await terminal.waitForExit()).toEqual({ exitCode: null, signal: 'SIGTERM' });
      expect(await terminal.currentOutput()).toMatchObject({
        output: 'started\n',
        exitStatus: { exitCode: null, signal: 'SIGTERM' },
      });
      await terminal.release();
    });
  }, 60_000);

  it('release of a live terminal kills its command and makes the id unknown', async () => {
    await asAgent(async (agent) => {
      const terminal = await agent.createTerminal({ ...session, command: 'sleep 60' });
      const pid = (await tend.get(terminal.id)).pid!;
      expect(isAlive(pid)).toBe(true);
      await terminal.release();
      expect(isAlive(pid)).toBe(false);
      await expect(tend.get(terminal.id)).rejects.toMatchObject({ reason: 'task_not_found' });
      await expect(terminal.currentOutput()).rejects.toMatchObject({ code: -32002 });
      await expect(
        agent.request('terminal/wait_for_exit', { ...session, terminalId: terminal.id }),
      ).rejects.toThrow(/not found/);
      await expect(
        agent.request('terminal/output', { ...session, terminalId: 'No Such' }),
      ).rejects.toMatchObject({
        code: -32002,
      });
    });
  }, 60_000);

  it('a wait pending when the daemon is kill -9ed returns the true exit status from the daemon started again', async () => {
    const before = daemonPid(home)!;
    await asAgent(async (agent) => {
      const gate = join(home, 'gate');
      const terminal = await agent.createTerminal({
        ...session,
        command: `while [ ! -e '${gate}' ]; do sleep 0.05; done; echo survived; exit 7`,
      });
      const waiting = terminal.waitForExit();
      process.kill(before, 'SIGKILL');
      await pollUntil('the daemon to die', () => (isAlive(before) ? undefined : true));
      writeFileSync(gate, '');
      expect(await waiting).toEqual({ exitCode: 7, signal: null });
      expect(daemonPid(home)).not.toBe(before);
      expect(await terminal.currentOutput()).toEqual({
        output: 'survived\n',
        truncated: false,
        exitStatus: { exitCode: 7, signal: null },
      });
      await terminal.release();
    });
  }, 60_000);
});
