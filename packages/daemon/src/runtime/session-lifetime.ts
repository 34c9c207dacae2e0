import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';

/** How the daemon is supervised, and what would end its tasks. */
export interface SessionLifetime {
  /** True when systemd started the daemon (`$INVOCATION_ID` is set, systemd.exec(5)). */
  systemd: boolean;
  /** The systemd unit it runs in, from /proc/self/cgroup (e.g. `tend.service`). */
  unit?: string;
  /** Whether logind keeps the user's processes after logout (`/var/lib/systemd/linger/<user>`). */
  linger: boolean;
  /** Sentences naming what would kill the tasks and how to prevent it. */
  warnings: string[];
}

/** Inputs, for tests; defaults are the real machine's. */
export interface LifetimeInputs {
  env?: Record<string, string | undefined>;
  user?: string;
  cgroup?: string;
  lingerDir?: string;
  logindConfigs?: string[];
}

/**
 * Works out whether tasks would die with the user's session: under a systemd
 * user manager without linger, logout stops the manager and every process in
 * it (loginctl(1), enable-linger); outside systemd, logind kills user
 * processes at logout only with `KillUserProcesses=yes` (logind.conf(5)).
 */
export function sessionLifetime(inputs: LifetimeInputs = {}): SessionLifetime {
  const env = inputs.env ?? process.env;
  const user = inputs.user ?? safeUser();
  const systemd = Boolean(env.INVOCATION_ID);
  const cgroup = inputs.cgroup ?? readOr('/proc/self/cgroup', '');
  const unit = unitOf(cgroup);
  // A unit under user@<uid>.service belongs to the user's manager, which logout stops.
  const inUserManager = /\/user@\d+\.service\//.test(cgroup);
  const linger = user !== undefined && existsSync(join(inputs.lingerDir ?? '/var/lib/systemd/linger', user));
  const warnings: string[] = [];
  const fix = `run \`loginctl enable-linger ${user ?? '$USER'}\``;
  if (systemd && inUserManager && !linger) {
    warnings.push(
      `the daemon runs in the systemd user unit ${unit} and linger is off: at logout the user manager stops and every task dies; ${fix}`,
    );
  } else if (!linger && killsUserProcesses(inputs.logindConfigs ?? logindConfigFiles())) {
    warnings.push(
      `logind is set to KillUserProcesses=yes and linger is off: every task dies at logout; ${fix}`,
    );
  }
  return { systemd, ...(unit ? { unit } : {}), linger, warnings };
}

/** How long {@link currentSessionLifetime} reuses its answer, in ms. */
export const SESSION_LIFETIME_TTL_MS = 2_000;
let cachedLifetime: { at: number; value: SessionLifetime } | undefined;

/**
 * {@link sessionLifetime} of this machine, recomputed at most every
 * {@link SESSION_LIFETIME_TTL_MS}: it reads /proc/self/cgroup, the passwd entry
 * and logind's config files, which made up ~70 % of daemon/status's time
 * (BENCHMARKS.md), and UIs poll daemon/status.
 */
export function currentSessionLifetime(now = Date.now()): SessionLifetime {
  if (!cachedLifetime || now - cachedLifetime.at >= SESSION_LIFETIME_TTL_MS || now < cachedLifetime.at) {
    cachedLifetime = { at: now, value: sessionLifetime() };
  }
  return cachedLifetime.value;
}

function unitOf(cgroup: string): string | undefined {
  const path =
    cgroup
      .split('\n')
      .find((line) => line.startsWith('0::'))
      ?.slice(3) ?? '';
  return path
    .split('/')
    .reverse()
    .find((part) => /\.(service|scope)$/.test(part));
}

function killsUserProcesses(files: string[]): boolean {
  let kills = false;
  for (const file of files) {
    for (const line of readOr(file, '').split('\n')) {
      const match = /^\s*KillUserProcesses\s*=\s*(\S+)/.exec(line);
      if (match) kills = /^(yes|true|1|on)$/i.test(match[1] as string);
    }
  }
  return kills;
}

function logindConfigFiles(): string[] {
  const dir = '/etc/systemd/logind.conf.d';
  let extra: string[] = [];
  try {
    extra = readdirSync(dir)
      .filter((f) => f.endsWith('.conf'))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    // no drop-ins
  }
  return ['/etc/systemd/logind.conf', ...extra];
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function safeUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
