import bytes from 'bytes';

// A number with an optional unit: K, M, G, T or P, each optionally followed by "B" or "iB", or "B" alone.
// Checked here because bytes.parse alone reads "2G" as 2 bytes (its units need the "b": "2gb").
const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgtp])(i?b)?|(b))?\s*$/i;

/**
 * Parses a human size into whole bytes: `512M`, `2G`, `1.5GiB`, `64k`, `1048576` (a bare number
 * is bytes). K, M, G, T and P are powers of 1024 with or without `B`/`iB` (`2G` = `2GB` =
 * `2GiB` = 2147483648), as docker's `--memory` (https://docs.docker.com/engine/containers/resource_constraints/)
 * and systemd's `MemoryMax=` ("with the base 1024", systemd.resource-control(5),
 * https://www.freedesktop.org/software/systemd/man/latest/systemd.resource-control.html) read them;
 * the kernel's memory.max takes the bytes. The arithmetic is the `bytes` package's; a fraction of
 * a byte is dropped.
 * @returns bytes, a safe integer ≥ 0.
 * @throws Error naming the input and the accepted forms when it is not such a size.
 */
export function parseByteSize(input: string): number {
  const match = SIZE_PATTERN.exec(input);
  const value = match ? bytes.parse(`${match[1]}${match[2] ? `${match[2]}b` : ''}`) : null;
  if (value === null || !Number.isSafeInteger(value)) {
    throw new Error(
      `"${input}" is not a size; use e.g. 512M, 2G, 1.5GiB or a number of bytes (K, M, G, T = KiB, MiB, GiB, TiB)`,
    );
  }
  return value;
}
