import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, ConfigSchema, DEFAULT_OUTPUT_CAP_BYTES, loadConfig } from './config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tend-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('gives the defaults when there is no config.json', () => {
    expect(loadConfig(join(dir, 'config.json'))).toEqual({
      ...ConfigSchema().parse({}),
      outputCapBytes: DEFAULT_OUTPUT_CAP_BYTES,
      killGraceMs: 10_000,
      maxLiveTasks: 128,
    });
  });

  it('reads the values given and keeps the defaults of the others', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ outputCapBytes: 1_048_576 }));
    expect(loadConfig(join(dir, 'config.json'))).toEqual({
      ...ConfigSchema().parse({}),
      outputCapBytes: 1_048_576,
      killGraceMs: 10_000,
      maxLiveTasks: 128,
    });
  });

  it('refuses bad JSON, a value out of range and an unknown field, naming the file and the field', () => {
    const path = join(dir, 'config.json');
    writeFileSync(path, '{ outputCapBytes: 1 }');
    expect(() => loadConfig(path)).toThrow(ConfigError);
    expect(() => loadConfig(path)).toThrow(/config\.json: not valid JSON/);
    writeFileSync(path, JSON.stringify({ outputCapBytes: 10 }));
    expect(() => loadConfig(path)).toThrow(/key "outputCapBytes" is 10: must be at least 65536 bytes/);
    writeFileSync(path, JSON.stringify({ outputCap: 1_000_000 }));
    expect(() => loadConfig(path)).toThrow(/outputCap/);
  });

  it('keeps at most 1,000 ended tasks for 7 days and rotates daemon.log at 10 MiB into 3 files by default', () => {
    expect(loadConfig(join(dir, 'config.json'))).toMatchObject({
      keepEndedTasks: 1_000,
      keepEndedDays: 7,
      retentionSweepMs: 3_600_000,
      logMaxBytes: 10 * 1024 * 1024,
      logFiles: 3,
    });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ keepEndedTasks: 0 }));
    expect(() => loadConfig(join(dir, 'config.json'))).toThrow(/keepEndedTasks/);
  });
});
