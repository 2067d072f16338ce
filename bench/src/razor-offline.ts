// bench/razor-offline: what an unreachable Razor costs each message on an offline host, and what the bound leaves of
// it (sidecars/seed/src/amavis/razor-gate.ts). Each case runs the filter chain in a network namespace of its own
// making: `nxdomain` (Razor's server names do not resolve: the resolver answers NXDOMAIN), `dropped` (its cached
// servers sit at an address whose packets are dropped: routed to a namespace that does not forward), `silent-dns` (the resolver
// itself is such an address). Cost = mean delivery time per message against a chain with Razor off beside it, the two
// taking turns. Writes bench/results/razor-offline.json; about 8 minutes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const N = Number(process.env.BENCH_RAZOR_N ?? 10);
const NS = `mta-razor-${process.pid}`;
const HOLE = `${NS}-hole`;
const ip = (...a: string[]) => {
  const r = spawnSync('ip', a, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${a.join(' ')}: ${r.stderr}`);
};
const etc = join('/etc/netns', NS);

interface Run {
  case: string;
  gated: boolean;
  // Per message, with Razor as the case says and, sent right after each, with Razor off.
  ms: number[];
  offMs: number[];
  gateOpened: boolean;
}

function runCase(which: string, gated: boolean, resolver: string): Run {
  writeFileSync(join(etc, 'resolv.conf'), `nameserver ${resolver}\n`);
  const child = join(import.meta.dirname, 'razor', 'child.ts');
  const r = spawnSync(
    'ip',
    ['netns', 'exec', NS, process.execPath, '--conditions=source', '--import', 'tsx', child, which, gated ? '1' : '0', String(N)],
    { encoding: 'utf8', timeout: 900_000, cwd: join(import.meta.dirname, '..', '..') },
  );
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) throw new Error(`case ${which}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  const run = JSON.parse(line) as Run;
  console.log(`razor-offline: ${which}${gated ? ' (bounded)' : ''}: ${run.ms.join(', ')} ms; Razor off: ${run.offMs.join(', ')} ms`);
  return run;
}

// Mean extra time of the case's messages over the Razor-off ones sent beside them.
const extra = (r: Run, from = 0, to = r.ms.length): number => {
  const d = r.ms.slice(from, to).map((ms, i) => ms - (r.offMs[from + i] ?? ms));
  return Math.max(0, Math.round(d.reduce((a, b) => a + b, 0) / Math.max(1, d.length)));
};

const loadBefore = loadavg()[0];
spawnSync('ip', ['netns', 'del', NS]);
spawnSync('ip', ['netns', 'del', HOLE]);
ip('netns', 'add', NS);
mkdirSync(etc, { recursive: true });
try {
  ip('-n', NS, 'link', 'set', 'lo', 'up');
  // Packets to 192.0.2.0/24 go to a second namespace that does not forward: it drops them, no answer, no error.
  ip('netns', 'add', HOLE);
  ip('-n', NS, 'link', 'add', 'drop0', 'type', 'veth', 'peer', 'name', 'hole0', 'netns', HOLE);
  ip('-n', NS, 'addr', 'add', '10.255.0.1/30', 'dev', 'drop0');
  ip('-n', HOLE, 'addr', 'add', '10.255.0.2/30', 'dev', 'hole0');
  ip('-n', NS, 'link', 'set', 'drop0', 'up');
  ip('-n', HOLE, 'link', 'set', 'hole0', 'up');
  ip('-n', NS, 'route', 'add', '192.0.2.0/24', 'via', '10.255.0.2', 'dev', 'drop0');
  const cases: Record<string, { ungated: Run; gated: Run }> = {};
  for (const [which, resolver] of [
    ['nxdomain', '127.0.0.1'],
    ['dropped', '127.0.0.1'],
    ['silent-dns', '192.0.2.53'],
  ] as const) {
    cases[which] = { ungated: runCase(which, false, resolver), gated: runCase(which, true, resolver) };
  }
  writeResult('razor-offline', {
    ...resultHeader('razor-offline'),
    messagesPerCase: N,
    loadAverage: { before: loadBefore, after: loadavg()[0] },
    cases,
    // Mean extra time per message with Razor unreachable: unbounded; bounded, for the one message whose lookup fails
    // (then once per skip period: 10 minutes, doubling to 6 hours) and for every message after it.
    costMs: Object.fromEntries(
      Object.entries(cases).map(([k, v]) => [
        k,
        { unbounded: extra(v.ungated), boundedFirst: extra(v.gated, 0, 1), bounded: extra(v.gated, 1) },
      ]),
    ),
    note: 'two filter chains in a network namespace, Razor as the case says and Razor off, a message to each in turn, one at a time; razor_timeout 5 s (SpamAssassin default), razor_fork on',
  });
} finally {
  spawnSync('ip', ['netns', 'del', NS]);
  spawnSync('ip', ['netns', 'del', HOLE]);
  rmSync(etc, { recursive: true, force: true });
}
