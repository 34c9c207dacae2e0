// Diagnostic: inclusive time of the callees of one function in a .cpuprofile,
// summed over every place it appears. Usage: node bench/tools/cpuprofile-children.mjs FILE NAME [URL-PART]
import { readFileSync } from 'node:fs';

const [file, name, urlPart = ''] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
p.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
});
const memo = new Map();
const incl = (id) => {
  if (memo.has(id)) return memo.get(id);
  let t = self.get(id) ?? 0;
  for (const c of byId.get(id).children ?? []) t += incl(c);
  memo.set(id, t);
  return t;
};
const label = (n) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
let total = 0;
let selfTotal = 0;
const children = new Map();
for (const n of p.nodes) {
  if (n.callFrame.functionName !== name || !n.callFrame.url.includes(urlPart)) continue;
  total += incl(n.id);
  selfTotal += self.get(n.id) ?? 0;
  for (const c of n.children ?? [])
    children.set(label(byId.get(c)), (children.get(label(byId.get(c))) ?? 0) + incl(c));
}
console.log(`${name}: ${(total / 1000).toFixed(1)} ms inclusive, ${(selfTotal / 1000).toFixed(1)} ms self`);
for (const [k, t] of [...children].sort((a, b) => b[1] - a[1]))
  console.log(`${(t / 1000).toFixed(1).padStart(9)} ms  ${k}`);
