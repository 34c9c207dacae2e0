import type { z } from 'zod';
import type { ToolContext, ToolText } from './context.js';

/** Hints about a tool's effects, as MCP's ToolAnnotations carry them. */
export interface ToolHints {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/**
 * One MCP tool, free of the SDK: its name, a description that tells the model
 * when to use it, its input as a zod object (descriptions included: they become
 * the JSON Schema the model sees), its output as a zod object, and `run`, which calls
 * the daemon and answers with text and structured facts. server.ts registers these with the SDK.
 */
export interface Tool<S extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  inputSchema: S;
  /** Shape of the answer's `structured` facts (MCP `outputSchema` / `structuredContent`), see output-schemas.ts. */
  outputSchema: O;
  annotations: ToolHints;
  run(input: z.output<S>, ctx: ToolContext): Promise<ToolText>;
}

/** Facts the tool definitions mention in their descriptions. */
export interface ToolSetup {
  /** Default cwd of new tasks. */
  workspace: string;
  /** Session of this server. */
  session: string;
}

/** Identity helper that keeps the schema's type for `run`. */
export function defineTool<S extends z.ZodObject, O extends z.ZodObject>(tool: Tool<S, O>): Tool<S, O> {
  return tool;
}
