import { truncate } from './output.js';

/** Narrowest the last (free text) column gets, in characters, however narrow the terminal. */
const MIN_TEXT_WIDTH = 20;
/** Width of the last column when stdout is not a terminal. */
const PIPE_TEXT_WIDTH = 60;
/** Spaces between two columns. */
const GAP = 2;
/**
 * Renders a borderless table as `tend ps` prints it: headings, then one line
 * per row, columns two spaces apart. The last cell of each row is free text
 * (a command line): flattened to one line and cut with `…` so that the line
 * fits `columns` characters (at least 20 for that cell), or 60 characters
 * when `columns` is undefined (not a terminal).
 * @param rows cells in heading order, the last one the free text.
 * @param columns terminal width; `Infinity` never cuts the free text (`--no-trunc`).
 * @param style when given, called on each body cell with its column index; what it returns (the cell with
 *   SGR colour escapes) replaces the cell, padded as the plain cell was.
 * @returns the table text, each line without trailing spaces, ending with a newline.
 */
export function renderTable(
  headings: readonly string[],
  rows: readonly (readonly string[])[],
  columns?: number,
  style?: (column: number, cell: string, row: number) => string,
): string {
  const fixed = headings.length - 1;
  const widths = Array.from({ length: fixed }, (_, i) =>
    Math.max((headings[i] ?? '').length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const used = widths.reduce((sum, w) => sum + w + GAP, 0);
  const textWidth = columns ? Math.max(MIN_TEXT_WIDTH, columns - used) : PIPE_TEXT_WIDTH;
  // Plain padding: every cell is ASCII-width already (names are ASCII; the free text is cut by
  // characters), and cli-table3 cost ~66 ms of a cold `tend ps` (BENCHMARKS.md).
  const line = (cells: readonly string[], row?: number) =>
    [
      ...cells.slice(0, fixed).map((cell, i) => {
        const padded = cell.padEnd((widths[i] as number) + GAP);
        return style && row !== undefined ? style(i, cell, row) + padded.slice(cell.length) : padded;
      }),
      textWidth === Number.POSITIVE_INFINITY
        ? (cells[fixed] ?? '').replace(/[\r\n\t]+/g, ' ')
        : truncate(cells[fixed] ?? '', textWidth),
    ]
      .join('')
      .trimEnd();
  return `${[line(headings), ...rows.map((cells, row) => line(cells, row))].join('\n')}\n`;
}
