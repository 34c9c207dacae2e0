import { type DependencyCondition, InvalidParamsError } from '@tend/protocol';

/** Each task's dependencies: name → (dependency name → condition). */
export type DependencyGraph = Record<string, Record<string, DependencyCondition>>;

/**
 * Checks a project's dependency graph and returns the tasks to bring up: `names` (default: every task)
 * and, transitively, what they depend on, dependencies before dependants (a topological order, by
 * Kahn's algorithm; ties in declaration order).
 * @throws InvalidParamsError (invalid_params), before anything starts, naming `method` and `file` when a
 *   name or a dependency is not declared, a task depends on itself, or dependencies form a cycle (the cycle
 *   is spelled out, e.g. `a → b → a`).
 */
export function upOrder(
  method: string,
  graph: DependencyGraph,
  names: readonly string[] | undefined,
  file?: string,
): string[] {
  const where = file !== undefined ? `${file}: ` : '';
  const declared = Object.keys(graph);
  for (const [name, deps] of Object.entries(graph)) {
    for (const dep of Object.keys(deps)) {
      if (!(dep in graph))
        throw new InvalidParamsError(method, [
          `${where}task "${name}" depends on "${dep}", which is not declared (tasks: ${declared.join(', ')})`,
        ]);
    }
  }
  const cycle = findCycle(graph);
  if (cycle)
    throw new InvalidParamsError(method, [
      `${where}dependency cycle: ${cycle.join(' → ')}; remove one of these depends_on`,
    ]);
  const wanted = new Set<string>();
  const visit = (name: string) => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dep of Object.keys(graph[name] ?? {})) visit(dep);
  };
  for (const name of names ?? declared) {
    if (!(name in graph))
      throw new InvalidParamsError(method, [
        `${where}no task "${name}" is declared (tasks: ${declared.join(', ')})`,
      ]);
    visit(name);
  }
  return topological(
    graph,
    declared.filter((name) => wanted.has(name)),
  );
}

/**
 * The dependants of `names` in `graph`, transitively, `names` included.
 */
export function withDependants(graph: DependencyGraph, names: Iterable<string>): Set<string> {
  const result = new Set<string>(names);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [name, deps] of Object.entries(graph)) {
      if (result.has(name)) continue;
      if (Object.keys(deps).some((dep) => result.has(dep))) {
        result.add(name);
        grew = true;
      }
    }
  }
  return result;
}

/** `names` ordered so that each comes after the ones (among `names`) it depends on. */
export function topological(graph: DependencyGraph, names: readonly string[]): string[] {
  const set = new Set(names);
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < names.length) {
    const next = names.find(
      (name) =>
        !placed.has(name) && Object.keys(graph[name] ?? {}).every((dep) => !set.has(dep) || placed.has(dep)),
    );
    if (next === undefined) break; // a cycle: refused by upOrder before
    placed.add(next);
    order.push(next);
  }
  return order;
}

/** A dependency cycle as the list of its names (first repeated at the end), or undefined. */
function findCycle(graph: DependencyGraph): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const walk = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'open') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'open');
    path.push(name);
    for (const dep of Object.keys(graph[name] ?? {})) {
      const cycle = walk(dep);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(graph)) {
    const cycle = walk(name);
    if (cycle) return cycle;
  }
  return undefined;
}
