import { describe, expect, it } from 'vitest';
import { ConfigSchema, DEFAULT_OUTPUT_CAP_BYTES, InvalidConfigError, parseConfig } from './config.js';
import { DEFAULT_KILL_GRACE_MS } from './limits.js';

const PATH = '/home/ada/.config/tend/config.json';

/** What parseConfig threw for `text` (fails the test when it threw nothing). */
function failure(text: string): InvalidConfigError {
  try {
    parseConfig(text, PATH);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigError);
    return error as InvalidConfigError;
  }
  throw new Error(`parseConfig accepted ${text}`);
}

describe('parseConfig', () => {
  it('fills in the defaults, the stop grace being the one of tend stop (10 s)', () => {
    expect(parseConfig(undefined, PATH)).toMatchObject({
      outputCapBytes: DEFAULT_OUTPUT_CAP_BYTES,
      killGraceMs: DEFAULT_KILL_GRACE_MS,
    });
    expect(DEFAULT_KILL_GRACE_MS).toBe(10_000);
    expect(parseConfig('{"killGraceMs": 0}', PATH).killGraceMs).toBe(0);
  });

  it("without a file gives the schema's defaults, every key set (configDefaults, which builds no schema)", () => {
    const defaults = parseConfig(undefined, PATH);
    expect(defaults).toStrictEqual(ConfigSchema().parse({}));
    expect(Object.keys(defaults).sort()).toEqual(
      Object.keys(ConfigSchema().shape)
        .filter((key) => key !== 'cgroupRoot')
        .sort(),
    );
  });

  it('names the file, the key, the value found and what is allowed for a value of the wrong type', () => {
    const error = failure('{"outputCapBytes": "64k"}');
    expect(error.path).toBe(PATH);
    expect(error.issues).toEqual([
      { key: 'outputCapBytes', value: '64k', message: expect.stringContaining('whole number of bytes') },
    ]);
    expect(error.message).toBe(
      `${PATH}: key "outputCapBytes" is "64k": must be a whole number of bytes, at least 65536 (64 KiB), e.g. 67108864 ` +
        'for 64 MiB; fix or remove it, then run the command again',
    );
  });

  it('lists the keys there are for an unknown key, and every bad key at once', () => {
    const error = failure('{"outputCap": 1, "killGraceMs": 999999}');
    expect(error.issues.map((i) => i.key).sort()).toEqual(['killGraceMs', 'outputCap']);
    expect(error.message).toContain(
      `key "outputCap" is not a config key; the keys are ${Object.keys(ConfigSchema().shape).join(', ')}`,
    );
    expect(error.message).toContain('key "killGraceMs" is 999999: must be at most 300000 ms (5 min)');
  });

  it('says when the file is not JSON or not an object', () => {
    expect(failure('{ outputCapBytes: 1 }').message).toMatch(
      /^\/home\/ada\/\.config\/tend\/config\.json: not valid JSON \(/,
    );
    expect(failure('[1]').message).toContain(
      `must be a JSON object with the keys ${Object.keys(ConfigSchema().shape).join(', ')}`,
    );
  });
});
