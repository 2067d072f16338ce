import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SPECS } from '@mta/metrics/families';
import { tempRoot } from '../harness/index.ts';

// The dashboard and the Prometheus files cannot run here (no Grafana, no compose); they are validated instead: by
// promtool, and against the metric families the sidecar really exports.
const EXAMPLES = new URL('../../../examples/', import.meta.url).pathname;
const promtool = (...args: string[]) => spawnSync('promtool', args, { encoding: 'utf8' });

// Names a PromQL expression may use: the families, with the suffixes their samples carry.
const known = new Set(
  Object.values(SPECS).flatMap((s) =>
    s.kind === 'counter' ? [`${s.name}_total`] : s.kind === 'histogram' ? ['_bucket', '_sum', '_count'].map((x) => s.name + x) : [s.name],
  ),
);
const unknownIn = (expr: string) => [...expr.matchAll(/\bmta_[a-z_]+/g)].map((m) => m[0]).filter((n) => !known.has(n));

test('prometheus.yml and the example alerts pass promtool; every alert names real metrics', () => {
  const config = promtool('check', 'config', join(EXAMPLES, 'prometheus/prometheus.yml'));
  assert.equal(config.status, 0, config.stdout + config.stderr);
  assert.match(config.stdout, /SUCCESS: 6 rules found/);
  const alerts = readFileSync(join(EXAMPLES, 'prometheus/alerts.yml'), 'utf8');
  for (const m of alerts.matchAll(/expr: (.+)$/gm)) assert.deepEqual(unknownIn(m[1] as string), [], m[1]);
});

test('the alerts fire: queue growing, certificate expiring in under 14 days, learning failing', async () => {
  const tmp = await tempRoot('mta-alerts-');
  try {
    const file = join(tmp.dir, 'test.yml');
    writeFileSync(
      file,
      `rule_files: [${join(EXAMPLES, 'prometheus/alerts.yml')}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'mta_postfix_queue_messages{queue="deferred",instance="mx1"}'
        values: '40+1x120'
      - series: 'mta_tls_certificate_expiry_seconds{instance="mx1"}'
        values: '1209000x120'
      - series: 'mta_spamd_failed_messages_total{kind="ham",instance="mx1"}'
        values: '0+1x120'
    alert_rule_test:
      - eval_time: 90m
        alertname: MtaQueueGrowing
        exp_alerts:
          - exp_labels: {severity: warning, queue: deferred, instance: mx1}
            exp_annotations:
              summary: 'mx1: 30 more deferred messages than 30 minutes ago'
              description: 'A destination or relay is unreachable: mailq inside the container shows the reasons.'
      - eval_time: 90m
        alertname: MtaCertificateExpiresSoon
        exp_alerts:
          - exp_labels: {severity: critical, instance: mx1}
            exp_annotations:
              summary: 'mx1: the served certificate expires in 13d 23h 50m 0s'
              description: "Check Traefik's renewals and acme-watch's log (mta.acme.cert.rejected events)."
      - eval_time: 90m
        alertname: MtaOldestDeferredMessage
        exp_alerts: []
      - eval_time: 90m
        alertname: MtaLearningFailing
        exp_alerts:
          - exp_labels: {severity: warning, kind: ham, instance: mx1}
            exp_annotations:
              summary: 'mx1: spamd-learn failed to learn 60 ham message(s) in the last hour'
              description: 'The failed/ folder of KOPANO_SPAMD_LIB holds each message with the reason.'
`,
    );
    const r = promtool('test', 'rules', file);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  } finally {
    await tmp.cleanup();
  }
});

test('the Grafana dashboard: valid JSON on the provisioned datasource, every query on an exported metric', () => {
  const dash = JSON.parse(readFileSync(join(EXAMPLES, 'grafana/mta-dashboard.json'), 'utf8')) as {
    uid: string;
    panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
  };
  const ds = readFileSync(join(EXAMPLES, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8');
  const uid = /uid: (\S+)/.exec(ds)?.[1];
  assert.equal(dash.uid, 'mta-overview');
  const panels = dash.panels.filter((p) => p.type !== 'row');
  assert.ok(panels.length >= 15);
  const used = new Set<string>();
  for (const p of panels) {
    assert.equal(p.datasource?.uid, uid, p.title);
    for (const t of p.targets ?? []) {
      assert.deepEqual(unknownIn(t.expr), [], `${p.title}: ${t.expr}`);
      for (const m of t.expr.matchAll(/\bmta_[a-z_]+/g)) used.add(m[0].replace(/_(total|bucket|sum|count)$/, ''));
    }
  }
  // Every family is on the dashboard.
  assert.deepEqual(
    Object.values(SPECS)
      .map((s) => s.name)
      .filter((n) => !used.has(n)),
    [],
  );
});
