import { userInfo } from 'node:os';

/**
 * Default reader of `tend logs --new`: `cli:<user name>`, so that every
 * terminal of one user shares a cursor, distinct from agents' (which read as
 * their session). Falls back to $USER, then the uid, when the account has no
 * passwd entry (os.userInfo throws then, e.g. in containers run as a bare uid).
 */
export function defaultReader(info: () => { username: string } = userInfo): string {
  let name: string | undefined;
  try {
    name = info().username;
  } catch {
    name = undefined;
  }
  name ||= process.env.USER || `uid-${process.getuid?.() ?? 'unknown'}`;
  return `cli:${name}`;
}
