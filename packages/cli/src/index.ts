export { buildProgram } from './program.js';
export { main } from './main.js';
export { ExitCode, SIGNAL_EXIT_BASE } from './exit-codes.js';
export { exitCodeOf } from './exit-status.js';
export { parseDuration } from './duration.js';
export { parseEnvPair, parseEnvPairs } from './env-pairs.js';
export { joinCommand } from './command-line.js';
export { CliError } from './errors.js';
