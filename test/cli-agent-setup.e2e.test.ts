import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tend } from './helpers.js';
import { home, useTendHome } from './cli-setup.js';

// `tend setup claude-code|codex` writes only into this test's temporary directories: HOME is set to
// one of them and the project is another (never the real home directory).

useTendHome();

let fakeHome: string;
let project: string;

beforeEach(() => {
  fakeHome = join(home, 'home');
  project = join(home, 'project');
  mkdirSync(fakeHome);
  mkdirSync(project);
});

function setup(args: string[]) {
  return tend(home, ['setup', ...args], { cwd: project, env: { HOME: fakeHome } });
}

const read = (path: string) => readFileSync(path, 'utf8');

describe('tend setup claude-code', () => {
  it('prints the diff and writes nothing; --write prints it, then merges into the settings; twice changes nothing', async () => {
    const settingsPath = join(project, '.claude', 'settings.json');
    mkdirSync(join(project, '.claude'));
    const original =
      '{"model":"opus","hooks":{"Stop":[{"hooks":[{"type":"command","command":"./mine"}]}]}}\n';
    writeFileSync(settingsPath, original);

    const shown = await setup(['claude-code', '--stop']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`+++ ${settingsPath}`);
    expect(shown.stdout).toContain('+            "command": "tend hook claude-code user-prompt-submit",');
    expect(shown.stdout).toContain(`+++ ${join(project, '.mcp.json')}`);
    expect(shown.stdout).toContain('Nothing written. Run again with --write');
    expect(read(settingsPath)).toBe(original);
    expect(existsSync(join(project, '.mcp.json'))).toBe(false);

    const written = await setup(['claude-code', '--stop', '--write']);
    expect(written.code).toBe(0);
    // The same diff comes first, then what was written.
    expect(written.stdout.indexOf(`+++ ${settingsPath}`)).toBe(shown.stdout.indexOf(`+++ ${settingsPath}`));
    expect(written.stdout).toContain(`Wrote ${settingsPath}, ${join(project, '.mcp.json')}.`);
    const settings = JSON.parse(read(settingsPath));
    expect(settings.model).toBe('opus');
    expect(settings.hooks.Stop).toEqual([
      { hooks: [{ type: 'command', command: './mine' }] },
      { hooks: [{ type: 'command', command: 'tend hook claude-code stop', timeout: 660 }] },
    ]);
    for (const [event, command] of [
      ['SessionStart', 'session-start'],
      ['UserPromptSubmit', 'user-prompt-submit'],
      ['PostToolUse', 'post-tool-use'],
    ])
      expect(settings.hooks[event as string]).toEqual([
        { hooks: [{ type: 'command', command: `tend hook claude-code ${command}`, timeout: 10 }] },
      ]);
    expect(JSON.parse(read(join(project, '.mcp.json')))).toEqual({
      mcpServers: { tend: { command: 'tend', args: ['mcp'] } },
    });

    const before = read(settingsPath);
    const again = await setup(['claude-code', '--stop', '--write']);
    expect(again.stdout).toContain('tend setup claude-code: already set up');
    expect(again.stdout).not.toContain('Wrote');
    expect(read(settingsPath)).toBe(before);
    expect(existsSync(join(fakeHome, '.claude'))).toBe(false);
  });

  it('--scope user writes ~/.claude/settings.json (of the given HOME) and says how to add the MCP server', async () => {
    const result = await setup(['claude-code', '--scope', 'user', '--write']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('claude mcp add --scope user tend -- tend mcp');
    expect(result.stdout).toContain('Stop hook left out: add --stop');
    const settings = JSON.parse(read(join(fakeHome, '.claude', 'settings.json')));
    expect(Object.keys(settings.hooks).sort()).toEqual(['PostToolUse', 'SessionStart', 'UserPromptSubmit']);
    expect(existsSync(join(project, '.claude'))).toBe(false);
  });

  it('refuses a settings file that is not JSON, naming it, and writes nothing', async () => {
    const settingsPath = join(project, '.claude', 'settings.json');
    mkdirSync(join(project, '.claude'));
    writeFileSync(settingsPath, '{ broken');
    const result = await setup(['claude-code', '--write']);
    expect(result.code).toBe(125);
    expect(result.stderr).toContain(`${settingsPath} is not valid JSON`);
    expect(read(settingsPath)).toBe('{ broken');
    expect(existsSync(join(project, '.mcp.json'))).toBe(false);
  });
});

describe('tend setup codex', () => {
  it('appends the MCP server to ~/.codex/config.toml, keeping what is there, and writes ~/.codex/hooks.json', async () => {
    const configPath = join(fakeHome, '.codex', 'config.toml');
    mkdirSync(join(fakeHome, '.codex'));
    const original = '# my settings\nmodel = "gpt-5-codex"\n\n[mcp_servers.docs]\ncommand = "docs-mcp"\n';
    writeFileSync(configPath, original);

    const result = await setup(['codex', '--stop', '--write']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`+++ ${configPath}`);
    expect(result.stdout).toContain('+[mcp_servers.tend]');
    expect(read(configPath)).toBe(`${original}\n[mcp_servers.tend]\ncommand = "tend"\nargs = ["mcp"]\n`);
    const hooks = JSON.parse(read(join(fakeHome, '.codex', 'hooks.json')));
    expect(hooks.hooks.Stop).toEqual([
      { hooks: [{ type: 'command', command: 'tend hook codex stop', timeout: 660 }] },
    ]);
    expect(hooks.hooks.UserPromptSubmit[0].hooks[0].command).toBe('tend hook codex user-prompt-submit');

    const again = await setup(['codex', '--stop', '--write']);
    expect(again.stdout).toContain('tend setup codex: already set up');
    expect(read(configPath)).toBe(`${original}\n[mcp_servers.tend]\ncommand = "tend"\nargs = ["mcp"]\n`);
  });
});
