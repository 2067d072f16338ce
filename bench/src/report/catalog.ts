import { atLeast, atMost, type Target } from './targets.ts';

// What a bench measures, what bounds its figures, and the targets its figures must meet.
export interface BenchInfo {
  measures: string;
  limits: string;
  targets: Target[];
}

// The one list of bench targets: benches print their figures against it, docs/benchmarks.md explains it.
export const CATALOG: Record<string, BenchInfo> = {
  'acme-latency': {
    measures:
      'Time from the rename of a new acme.json until the SMTP port serves the new certificate, while a client keeps starting STARTTLS handshakes; and those handshakes, during rotations and at idle.',
    limits:
      'The watch → extract → install → reload path of acme-watch, and what the reload costs postfix and dovecot: a handshake that arrives while a daemon re-executes waits for it.',
    targets: [atMost('latencyMs.p50', 100, ' ms'), atMost('failedHandshakes', 0)],
  },
  'dkim-keygen': {
    measures: 'Generating a 2048-bit DKIM key with node:crypto against node-forge, same machine, same run (ratio).',
    limits: 'Prime search for the RSA modulus: native OpenSSL against JavaScript big-number arithmetic.',
    targets: [atLeast('ratio', 10, '×')],
  },
  'fleet-failover': {
    measures:
      'How long after one server of a 3-server JetStream cluster is killed every node is watching the fleet buckets again (a value written after the kill reached all three), against the same write with every server up.',
    limits: "The NATS client's reconnect back-off and the cluster electing a new stream leader before it accepts the write.",
    targets: [atMost('failoverMs.max', 5000, ' ms')],
  },
  'fleet-learn': {
    measures: "Learning across the fleet: from node A publishing to MTA_LEARN until node B's sa-learn has learned the round.",
    limits: "B's batch window (200 ms) and the sa-learn run itself (Perl start-up, Bayes journal sync). No target: reported.",
    targets: [],
  },
  guard: {
    measures:
      'Connections per second on port 25 with postscreen in front against smtpd alone (ratio, alternating rounds), and the time from the N-th failed AUTH until port 25 refuses that address.',
    limits:
      "postscreen's per-connection work against smtpd's; for the ban, following the log, writing the map and the postfix reload. No target: reported.",
    targets: [],
  },
  'image-sizes': {
    measures: 'The size of each image variant, written by scripts/build-image.',
    limits: 'The Debian packages each variant needs (Perl, SpamAssassin and ClamAV in full). No target: reported.',
    targets: [],
  },
  pipeline: {
    measures:
      'Messages per second through postfix → amavis (SpamAssassin + clamd) → postfix → next hop, against the scanners alone (spamd CHECK + clamd INSTREAM per message, concurrency = cores), alternating chunk by chunk in one run (efficiency = chain / scanners); the CPU each process tree spends per message in each phase; then 10,000 messages at concurrency 50 that must all be delivered or quarantined.',
    limits:
      "SpamAssassin's rules, run in amavis's children as in spamd: both phases are CPU bound on the same rules, so the chain's own work decides the ratio (postfix's two queue passes, amavis's MIME decoding, the reinjection hop, and the sending client and next hop of the bench itself).",
    targets: [atLeast('efficiency', 0.9), atLeast('large.accepted', 10_000), atMost('large.lost', 0)],
  },
  'seed-render': {
    measures:
      'The seed rendering and applying 1,000 MAIL_BOXES + 1,000 MAIL_ALIASES (validation, postfix staging, tables indexed, files written), on a first start and on an unchanged re-run, against writing the same two tables and running a plain `postmap` on each, in the same run.',
    limits:
      'Process starts: postconf -d and doveconf -d (the pass-through needs every parameter name), one postfix run to validate the staged main.cf, and one postmap per changed table; then the fsync of each written file.',
    targets: [atMost('firstStart.vsPostmap', 3, '×'), atMost('unchangedRerun.vsPostmap', 3, '×')],
  },
  'spamd-learn': {
    measures:
      "The seed's way of learning (one sa-learn per file) against the sidecar's batch (one sa-learn for all files, then one sync), same files, same run; and the idle memory and CPU of the sidecar as shipped.",
    limits: "sa-learn's Perl start-up per call; for the idle figures, node's own baseline heap.",
    targets: [atLeast('ratio', 20, '×'), atMost('idle.bundled.rssMB', 50, ' MB')],
  },
  startup: {
    measures:
      "Cold start of the image to the SMTP 220 banner (mini and full), against the container runtime's own start of the same image, and the idle memory of every long-running sidecar.",
    limits: "The seed (one-shot) and postfix's start in mini; in full, amavis loading SpamAssassin's rules before it listens.",
    targets: [
      atMost('variants.mini.medianMs', 3000, ' ms'),
      atMost('variants.full.medianMs', 8000, ' ms'),
      ...['acme-watch', 'dkim-keys', 'guard', 'metrics', 'spamd-learn'].map((s) => atMost(`idle.sidecars.${s}.rssMB`, 50, ' MB')),
    ],
  },
};
