// Diagnostic: summarizes a .cpuprofile (node --cpu-prof): top functions by self
// time and by inclusive time, and self time by package/file.
// Usage: node bench/tools/cpuprofile-top.mjs FILE.cpuprofile [N=25] [filter]
import { readFileSync } from 'node:fs';

const [file, nArg, filter] = process.argv.slice(2);
const n = Number(nArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const self = new Map();
const deltas = profile.timeDeltas;
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
const short = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace(/.*\/packages\//, '');
const key = (node) =>
  `${node.callFrame.functionName || '(anonymous)'} ${short(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
const selfBy = new Map();
const inclBy = new Map();
const fileBy = new Map();
for (const [id, t] of self) {
  const node = byId.get(id);
  selfBy.set(key(node), (selfBy.get(key(node)) ?? 0) + t);
  const f = short(node.callFrame.url).split('/').slice(0, 2).join('/') || node.callFrame.functionName;
  fileBy.set(f, (fileBy.get(f) ?? 0) + t);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    inclBy.set(k, (inclBy.get(k) ?? 0) + t);
  }
}
const show = (title, map) => {
  console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
  for (const [k, t] of [...map]
    .filter(([k]) => !filter || k.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)) {
    console.log(
      `${(t / 1000).toFixed(1).padStart(9)} ms ${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`,
    );
  }
};
show('self time by function', selfBy);
show('inclusive time by function', inclBy);
show('self time by package/file', fileBy);
