// Where and what is wrong in a tend.toml: the line of a key, the issue of a zod union worth reporting, and the
// keys a table knows (for "unknown key" messages). Used by project-file.ts.

/** A zod issue, as far as the messages here need it. */
export interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  /** Of an invalid_union: each alternative's issues. */
  errors?: Issue[][];
}

/**
 * The issue to report: for a value that matches no alternative of a union (depends_on: a list or a
 * table; restart: a word or a table), the issue of the alternative that got furthest into the value
 * (its path is the longest; the first alternative on a tie), with the whole path; else the issue itself.
 */
export function deepest(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || !issue.errors || issue.errors.length === 0) return issue;
  let best: Issue | undefined;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first && (!best || first.path.length > best.path.length)) best = first;
  }
  // No alternative got into the value: the first one's issue (e.g. the list of policy words).
  if (!best) return issue;
  const inner = deepest(best);
  return { ...inner, path: [...issue.path, ...inner.path] };
}

/** The keys a table at `path` knows, for an unknown-key message. */
export function describeKnown(path: string[]): string {
  if (path.length === 0) return 'the file holds [tasks.<name>] tables';
  if (path.length === 2 && path[0] === 'tasks')
    return 'known: command, cwd, env, env_file, depends_on, ready, restart, timeout, lifetime, ttl, output_cap, tty, memory_max, pids_max, kill_leftovers';
  if (path.at(-1) === 'ready') return 'known: output, port, http, command, timeout';
  if (path.at(-1) === 'restart') return 'known: policy, max_restarts, window, backoff, backoff_max';
  return 'not a key of this table';
}

/**
 * The 1-based line where key path `path` (e.g. tasks.web.ready.port) is written: under the deepest table
 * header (`[tasks.web]`, `[tasks.web.ready]`) that starts it, the line of its next key; else that
 * header's line; else 1. TOML parsers give no positions of values, so the text is searched.
 */
export function lineOf(text: string, path: readonly string[]): number {
  const lines = text.split('\n');
  const bare = (s: string) => s.replace(/\s+/g, '').replace(/["']/g, '');
  for (let depth = path.length; depth >= 0; depth--) {
    const header = path.slice(0, depth).join('.');
    let start = -1;
    if (depth === 0) start = 0;
    else {
      start = lines.findIndex((line) => {
        const m = /^\s*\[\[?([^\]]+)\]\]?/.exec(line);
        return m !== null && bare(m[1] as string) === header;
      });
      if (start < 0) continue;
    }
    const rest = path.slice(depth);
    for (let i = depth === 0 ? 0 : start + 1; i < lines.length; i++) {
      const line = lines[i] as string;
      if (depth > 0 && /^\s*\[/.test(line)) break;
      const key = /^\s*([^=#[]+?)\s*=/.exec(line);
      if (!key) continue;
      const written = bare(key[1] as string).split('.');
      // `ready = { port = 1 }` under [tasks.web] holds tasks.web.ready.port; dotted keys hold more of the path.
      if (
        written.every((part, n) => rest[n] === part) ||
        rest.slice(0, written.length).join('.') === written.join('.')
      )
        return i + 1;
    }
    if (depth > 0) return start + 1;
  }
  return 1;
}
