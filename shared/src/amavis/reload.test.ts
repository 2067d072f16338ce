import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createLogger } from '../log.ts';
import { mtaPaths } from '../paths.ts';
import type { SignalOutcome } from '../signal.ts';
import { sleep } from '../sleep.ts';
import { lastReload, monotonicMs, reloadAmavis, spacedReload } from './reload.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mta-reload-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const log = createLogger({ sidecar: 't', node: 'n', destination: { write: () => undefined } });
const GAP = 400;
let n = 0;
// A fresh run dir per test, and a stand-in amavis that records when each SIGHUP arrived.
function setup(outcome: SignalOutcome = 'signalled') {
  const paths = mtaPaths(join(dir, String(++n)));
  const at: number[] = [];
  const send = async () => {
    at.push(monotonicMs());
    return outcome;
  };
  const opts = { paths, log, reason: 'test', gapMs: GAP, daemon: { comm: /x/, uid: 0 }, send };
  return { paths, at, opts };
}

test('requests from several processes at once: one SIGHUP, the others are covered by it', async () => {
  const { at, opts } = setup();
  const r = await Promise.all([1, 2, 3, 4].map(() => reloadAmavis(opts)));
  assert.deepEqual(r.sort(), ['covered', 'covered', 'covered', 'reloaded']);
  assert.equal(at.length, 1);
});

test('a request after a signal waits for the gap, then signals again', async () => {
  const { at, opts, paths } = setup();
  assert.equal(await reloadAmavis(opts), 'reloaded');
  assert.equal(await reloadAmavis(opts), 'reloaded');
  assert.equal(at.length, 2);
  assert.ok((at[1] ?? 0) - (at[0] ?? 0) >= GAP, `gap kept: ${at.join(', ')}`);
  const stamp = await lastReload(paths);
  assert.ok(stamp.from <= (at[1] ?? 0) && (at[1] ?? 0) <= stamp.to, `stamp ${stamp.from}-${stamp.to} holds ${at[1]}`);
});

test('a timer that fires early (a coarse clock) does not shorten the gap', async () => {
  const { at, opts } = setup();
  await reloadAmavis(opts);
  const early = (ms: number, signal?: AbortSignal) => sleep(Math.max(0, ms - 30), signal);
  assert.equal(await reloadAmavis({ ...opts, sleep: early }), 'reloaded');
  assert.ok((at[1] ?? 0) - (at[0] ?? 0) >= GAP, `gap kept: ${at.join(', ')}`);
});

test('a request made while another waits out the gap is covered by that signal', async () => {
  const { at, opts } = setup();
  await reloadAmavis(opts);
  const waiting = reloadAmavis(opts);
  await sleep(50);
  assert.equal(await reloadAmavis(opts), 'covered');
  assert.equal(await waiting, 'reloaded');
  assert.equal(at.length, 2);
});

test('amavis not running: nothing sent, no gap started', async () => {
  const { at, opts, paths } = setup('not running');
  assert.equal(await reloadAmavis(opts), 'not running');
  assert.equal(await reloadAmavis(opts), 'not running');
  assert.equal(at.length, 2, 'both tried at once');
  assert.equal((await lastReload(paths)).to, Number.NEGATIVE_INFINITY);
});

test('spacedReload: the first reload at once, a burst within the gap becomes one reload when it is over', async () => {
  const { at, opts } = setup();
  const r = spacedReload(opts);
  await r.reload();
  assert.equal(at.length, 1, 'the first reload is not delayed');
  for (let i = 0; i < 3; i++) await r.reload();
  assert.equal(at.length, 1, 'the callers did not wait, and no second SIGHUP went out yet');
  await sleep(GAP + 250);
  assert.equal(at.length, 2, 'the burst became exactly one reload');
  assert.ok((at[1] ?? 0) - (at[0] ?? 0) >= GAP, `gap kept: ${at.join(', ')}`);
  await r.close();
});

test('close drops a scheduled reload', async () => {
  const { at, opts } = setup();
  const r = spacedReload(opts);
  await r.reload();
  await r.reload();
  await r.close();
  await sleep(GAP + 100);
  assert.equal(at.length, 1);
});

test('amavis that has just started gets the rest of the gap before its first reload', async () => {
  const { at, opts } = setup();
  const t0 = monotonicMs();
  assert.equal(await reloadAmavis({ ...opts, age: async () => 100 }), 'reloaded');
  assert.ok((at[0] ?? 0) - t0 >= GAP - 100 - 5, `waited ${(at[0] ?? 0) - t0} ms`);
});
