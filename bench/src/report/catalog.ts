import { atLeast, atMost, type Target } from './targets.ts';

// What a bench measures, what bounds its figures, and the targets its figures must meet.
export interface BenchInfo {
  measures: string;
  limits: string;
  targets: Target[];
  // Where the time goes, as profiled: what was changed, what was tried and left.
  profile?: string[];
}

// The one list of bench targets: benches print their figures against it, docs/benchmarks.md explains it.
export const CATALOG: Record<string, BenchInfo> = {
  'acme-latency': {
    measures:
      'Time from the rename of a new acme.json until the SMTP port serves the new certificate, while a client keeps starting STARTTLS handshakes; and those handshakes during rotations against the same handshakes at idle, in the same run (p99 ratio).',
    limits:
      "acme-watch's watch → extract → install path and what installing costs postfix: a rotation replaces chain.pem and the SNI table without a reload (a reload restarted tlsmgr and anvil, and smtpd waited a fixed second to reconnect to them).",
    targets: [atMost('latencyMs.p50', 100, ' ms'), atMost('handshakeP99Ratio', 2, '×'), atMost('failedHandshakes', 0)],
  },
  'cold-start-scale': {
    measures:
      "How the image's cold start grows with what /srv holds: 1,000, 10,000 and 100,000 mailboxes plus as many aliases, and a deferred queue of a tenth as many messages. The first start seeds a fresh /srv; then new containers of the same image start on that /srv (as after an upgrade), each timed from `podman run` to the 220 banner.",
    limits:
      'The first start seeds the tables of every mailbox and alias; a new container on a seeded /srv runs the entry steps (the seed at a locked start, the guard tables, the certificates) before postfix answers.',
    targets: [atMost('curves.restart.exponent', 1.1), atMost('curves.firstStart.exponent', 1.1)],
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
    measures:
      "Learning across the fleet, over 50 rounds of 10 messages dropped into node A's spam/: from A publishing to MTA_LEARN until node B's sa-learn has learned the round (the headline), and every phase from the drop to B's learned line with its p50/p95 (phasesMs: A's pickup after SPAMD_STABLE_MS, A's batch window, A's sa-learn, publish to B's receipt, B's batch window, B's sa-learn), from the nodes' own debug lines; and what one fleet signature and one verification cost.",
    limits:
      "B's batch window (200 ms here) and B's sa-learn run: Perl start-up and SpamAssassin's configuration before a few milliseconds of learning. Both nodes share the host's two cores, so A's own sa-learn runs compete with B's.",
    profile: [
      "Before (2026-12-08, 2 nodes on the 2-core machine at load 9-11 from other work, 6-round runs): publish → B learned p50 10.8-14.1 s. Signing and verifying a learn message took ~58 ms each (the NKEY library's Ed25519 in JavaScript): A's flush of 10 messages took 714 ms, the messages reached B one verification apart, B's batch window closed on part of the round, and B's learning of one round (bLearn) took 8.9-14.5 s in several sa-learn runs.",
      "Fixed: fleet signatures with node:crypto's Ed25519 (same keys, byte-identical signatures, so old and new nodes verify each other): 74 µs to sign, 185 µs to verify; A's flush p50 55 ms. The whole round is in B's batch window (bWindow p50 201 ms, p95 258 ms) and B learns it in about the time of A's single run.",
      "Fixed: the last batch of a burst merges the journal in its own sa-learn run (sa-learn without --no-sync merges first, then learns into the DB) instead of a second sa-learn start for the sync: on every node half the Perl starts per burst, and here A's sync no longer competes with B's learning.",
      "After, 50 rounds at the same load (9.3): publish → B learned p50 5.6 s, p95 19 s; the largest phases are the two sa-learn runs (aLearn p50 6.1 s, bLearn p50 5.4 s), then A's pickup (SPAMD_STABLE_MS) and the two batch windows (0.2 s each); publish to B's receipt 11 ms. A quiet run is still to be taken for the target.",
      "Left: one sa-learn start per batch (Perl and SpamAssassin's configuration loaded each time). A resident learner (Mail::SpamAssassin loaded once, as amavis) would spare it; and for fleet messages B's batch window could close as soon as the stream has nothing pending for it, if A's publishes of a round reached the stream together. Not done.",
    ],
    targets: [atMost('latencyMs.p50', 1600, ' ms')],
  },
  'fleet-scale': {
    measures:
      "How fleet propagation grows with the nodes (2, 3 and 5, three runs each, medians): learn (messages dropped on one node, from its publish to MTA_LEARN until every other node's sa-learn learned them) and DKIM (`mta fleet retire dkim` on one node until every node's key file, what amavis signs with, holds the one new key). Real spamd-learn and dkim-keys processes with their own roots on one local JetStream nats-server. Each curve's growth exponent is the slope of log cost against log size.",
    limits:
      "Every node's work is paid on this host's two cores: learning costs one sa-learn run per receiving node (N-1 runs side by side), a DKIM retirement one key generation per node (each mints one, the first published wins) and one key write and amavis reload per node. In a real fleet each node has its own CPUs and only the stream's fan-out is shared.",
    profile: [
      "First run (2026-12-08, at load 7-9 from other work, not committed): learn medians 4.8 / 9.0 / 11.6 s at 2 / 3 / 5 nodes, exponent 0.95; DKIM 0.55 / 0.41 / 0.91 s, exponent 0.59. The learn curve follows the receivers' sa-learn runs sharing two cores (1, 2 and 4 of them); DKIM is dominated by the key generations and the runs' spread.",
    ],
    targets: [atMost('curves.learn.exponent', 1.1), atMost('curves.dkim.exponent', 1.1)],
  },
  guard: {
    measures:
      'Connections per second on port 25 with postscreen in front against smtpd alone (ratio, alternating rounds); STARTTLS handshakes on 587 through bursts of bans against the same handshakes at idle, in the same run (p99 ratio); and the time from the N-th failed AUTH until port 25 defers that address (421).',
    limits:
      "postscreen's per-connection work against smtpd's; for a ban, following the log, writing the ban file and one `postmap -i` into postfix's lmdb table, which smtpd reads in place (no reload: a reload restarted tlsmgr and anvil and stalled new handshakes for a second).",
    targets: [
      atMost('handshakes.p99Ratio', 2, '×'),
      atMost('handshakes.failed', 0),
      atMost('banAfterFailedAuth.p99Ms', 1000, ' ms'),
      atMost('postfixReloads', 0),
    ],
  },
  'guard-scale': {
    measures:
      "How the guard's cost grows with the bans in force (100, 10,000 and 100,000): applying one more ban (written as `mta guard ban` writes it) until postfix's own table answers for it, postfix's lookup per key in that table, the guard's cold start, and its peak RSS. Each curve's growth exponent is the slope of log cost against log size.",
    limits:
      'Applying a ban is one `postmap -i` into an lmdb table (a B+tree: a lookup or an insert is logarithmic) and one dovecot shard; the start reads every ban file once and builds both tables in one bulk transaction each.',
    profile: [
      "Fixed (peak RSS at 100,000 bans, VmHWM of the bundled guard started as this bench starts it, off-image on a loaded machine: 125 → 85-91 MB): the postfix table's source was one string of every line (with its array and its Buffer, ~20 MB), the ban heap an object and a boxed number per ban (now two parallel arrays, 6 MB), the ban directory a list of every name (now read as a stream of entries), and a first start kept a set of every address read and touched (a pending rebuild covers them). Left: what stays is each ban's parsed object and strings (~190 bytes a ban) and node's own ~45 MB.",
    ],
    targets: [
      atMost('curves.applyBan.exponent', 0.2),
      atMost('curves.lookup.exponent', 0.2),
      atMost('curves.coldStart.exponent', 1.1),
      atMost('curves.peakRss.exponent', 1.1),
      atMost('largest.peakRssMB', 100, ' MB'),
    ],
  },
  'image-sizes': {
    measures: 'The size of each image variant, written by scripts/build-image.',
    limits: 'The Debian packages each variant needs (Perl, SpamAssassin and ClamAV in full). No target: reported.',
    targets: [],
  },
  'metrics-scale': {
    measures:
      "How a /metrics scrape grows with the postfix queue: 0, 1,000, 10,000 and 100,000 deferred messages taken over SMTP by a real postfix (defer_transports=smtp), scraped by the metrics sidecar as shipped with its cache off (METRICS_SCRAPE_CACHE=0: every scrape walks the queue), and the sidecar's peak RSS.",
    limits:
      'One readdir per queue directory and one stat per deferred file (the arrival time is read once per queue file and kept by inode), so a scrape is linear in the deferred queue; the scrape cache (1 s by default) makes a burst of scrapes cost one walk.',
    profile: [
      'The stats went through the promise API, ~50 µs each (a thread-pool round trip) and one after the other: 10,000 deferred took 0.58 s, 30,000 took 1.3 s. They are now synchronous (~5 µs each) in slices of 2,000 between turns of the event loop: on a synthetic queue 10,000 take 0.11 s and 100,000 take 1.2 s (statSync alone 0.47 s, readdir 0.1 s). On the real queue of this bench a scrape still costs ~35 µs per deferred file (3.1–3.9 s at 100,000): the target is missed, and where the rest goes (the per-path cache of 100,000 entries, garbage collection at a 161 MB peak) is not profiled yet.',
      'Fixed (peak RSS at 100,000 deferred files, VmHWM of the bundled sidecar scraped as this bench scrapes it, on a synthetic queue of as many files, off-image: 103 → 79-82 MB; scrapes 1.5-2× faster there): the queue was listed as a path string per file at every scrape and the arrivals kept by path; both are now by directory then name.',
      'Left: skipping the directories that did not change since the last walk (their mtime older than a second, so a change within one clock tick is never missed) would spare an idle queue its stats; not done yet.',
    ],
    targets: [atMost('curves.scrape.exponent', 1.1), atMost('largest.scrapeMs', 1000, ' ms'), atMost('largest.peakRssMB', 100, ' MB')],
  },
  'mta-sts': {
    measures:
      "Outbound MTA-STS from postfix's side: a policy lookup over the socketmap, cached (the policy on /srv and in memory) and uncached (TXT lookup on the test DNS server plus an HTTPS fetch from a local policy server), p50/p99; and postfix's delivery rate to a loopback sink with the policy map on against off, alternating rounds in one run (ratio).",
    limits:
      'A cached lookup is one netstring round trip on a unix socket and a map lookup; an uncached one waits for DNS and a TLS handshake (loopback here, the network in the world). On the delivery path postfix asks once per delivery attempt per next hop (the bench relays to a bracketed next hop, answered NOTFOUND without DNS).',
    targets: [atMost('lookupMs.cached.p99', 5, ' ms'), atLeast('throughputRatio', 0.9, '×')],
  },
  pipeline: {
    measures:
      "Messages per second through postfix → amavis (SpamAssassin + clamd) → postfix → next hop, against the scanners alone (spamd CHECK + clamd INSTREAM per message, concurrency = cores), alternating chunk by chunk in one run (efficiency = chain / scanners); the same chain with the port-25 milters in front (arc-milter verify, opendkim, OpenDMARC, arc-milter enforce, configured by the seed) on DKIM-signed mail from domains with DMARC records, sent as an internet client (XCLIENT 192.0.2.10), against the scanners alone on exactly the messages amavis receives on that path (captured from the chain's queue: postfix's Received line for 192.0.2.10 and our Authentication-Results above the signed message, amavis's Return-Path and X-Envelope-To on top, spamd asking the same test DNS for the DKIM keys, SPF and DMARC records), both in the same alternation (efficiencyWithMilters = chain with milters / scanners on that mail; efficiencyWithMiltersVsPlainScanners divides by the scanners on the plain corpus instead), and the CPU per message of the milters' processes (milterStep, the DMARC/ARC step's cost); the CPU each process tree spends per message in each phase; then 10,000 messages at concurrency 50 that must all be delivered or quarantined.",
    limits:
      "SpamAssassin's rules, run in amavis's children as in spamd: both phases are CPU bound on the same rules, so the chain's own work decides the ratio (postfix's two queue passes, amavis's MIME decoding, the reinjection hop, and the sending client and next hop of the bench itself). With the milters, their work too: opendkim's and the arc-milter's RSA checks and DNS lookups, OpenDMARC's SPF and record lookups, and amavis verifying the same DKIM signatures (SpamAssassin in amavis reuses amavis's result; spamd verifies them itself, ARC seals too); their client is an internet address (XCLIENT), so amavis takes that mail as inbound, not as MYNETWORKS mail. SpamAssassin's own work on that mail (DKIM, SPF, more header rules) is in both sides of efficiencyWithMilters.",
    targets: [
      atLeast('efficiency', 0.9),
      atLeast('efficiencyWithMilters', 0.9),
      atLeast('large.accepted', 10_000),
      atMost('large.lost', 0),
    ],
    profile: [
      "CPU per message by process tree (cpuMsPerMessage; 2026-12-01 on the loaded 2-core machine, where absolute values run high but the split holds): SpamAssassin dominates both phases and costs about the same in amavis as in spamd. With SpamAssassin bypassed, amavis still spends 16-20 ms per message (MIME decoding into parts, reading and re-sending the message, DKIM verification, ~2 ms of BerkeleyDB bookkeeping for amavisd-nanny and amavisd-agent); postfix 7-10 ms over its two queue passes (cleanup 1.6, process management 2, qmgr 0.8, smtp 0.7, smtpd 0.6, trivial-rewrite 0.6); clamd 1 ms (CONTSCAN of the decoded parts, cheaper than INSTREAM of the whole message); the bench's client and next hop 5-9 ms against 3 for the scanner client. That own work, about a tenth of the scanners' CPU, is what keeps the ratio below 1 (cpuEfficiency).",
      "Fixed: amavis answered a pipelined MAIL/RCPT/DATA batch with one write per reply, and the later replies waited for postfix's delayed ACK: 41 of 64 ms per message were an idle child (one child, SpamAssassin bypassed). amavis now offers no PIPELINING: 34 ms per message, 10 → 15.5 msg/s for that child. With 5 children on 2 CPUs the others mostly covered the stall, so it showed as idle CPU (idleShare) rather than as CPU time.",
      'Fixed: the smtp-amavis transport starts at as many connections as amavis has children (postfix starts every destination at 5, fewer than the children from 3 CPUs on); its maxproc and $max_servers were already equal.',
      "The reinjection hop: amavis waits ~3.5 ms per message for postfix's cleanup to queue the scanned copy (fsync), latency the other children cover.",
      'Tried and left: 2, 3, 4 or 5 children, BerkeleyDB off, flock locking and Bayes journaling each moved throughput less than the noise of the shared machine (±5%).',
      "Added (2026-12-07): amavis's content-type check for banned attachments. file(1), forked per message and decoding level, cost 31 ms of CPU per message; libmagic inside each amavis child (File::LibMagic) costs 6 (bench type-check). Both phases keep Razor's lookup per message (a closed loopback port): the offline bound would otherwise skip it in both after the first message, and the chain's own work would weigh more in the ratio than on an online host.",
      "Port-25 mail against the scanners on the same mail (2026-12-08, smoke runs of 100 messages at a load average of 8-10, CPU per message): inbound DKIM-signed mail costs SpamAssassin more wherever it runs: spamd +32 ms over the plain corpus (it verifies the DKIM signatures and ARC seals itself, checks SPF, and the signed header runs more rules), amavis +15 ms over the same chain's MYNETWORKS mail (amavis verifies DKIM once with Mail::DKIM and hands SpamAssassin the result, which then verifies nothing). So (3) is now judged against (4), not (1), which never saw signed inbound mail. amavis's second DKIM verification (opendkim's was the first) costs about 3 ms of Perl per message (Mail::DKIM 1.20240923 over this corpus, key answered from memory; ARC seals 1.4 more), about 1% of amavis's ~280 ms. Left as it is: with amavis's verification off SpamAssassin verifies DKIM and ARC itself (amavis +40 ms over its MYNETWORKS mail in a smoke run so configured, BENCH_AMAVIS_LOCAL, against +15), and SpamAssassin 4.0.1's DKIM plugin cannot take opendkim's verdict instead (its AuthRes plugin feeds only the DMARC plugin, which needs Mail::DMARC, not installed).",
    ],
  },
  'razor-offline': {
    measures:
      "The time Razor adds to each message when its servers cannot be reached, the filter chain in a network namespace made for each case: Razor's server names do not resolve (NXDOMAIN), its cached servers sit at an address whose packets are dropped, the resolver itself drops the packets; without and with the bound (Razor skipped after a lookup got no answer), against a chain with Razor off beside it, a message to each in turn.",
    limits:
      "SpamAssassin's razor_timeout (5 s) for dropped packets; the C resolver's own timeouts (5 s, 2 attempts) when the resolver is silent, which SpamAssassin's timer cannot interrupt. Bounded, one message per skip period (10 minutes, doubling while Razor stays unreachable, at most 6 hours) pays the failed lookup; amavis's own SpamAssassin warm-up at start usually is that one.",
    // NXDOMAIN costs little by itself; dropped packets and a silent resolver cost seconds until bounded.
    targets: [
      atMost('costMs.nxdomain.unbounded', 50, ' ms'),
      atMost('costMs.dropped.bounded', 50, ' ms'),
      atMost('costMs.silent-dns.bounded', 50, ' ms'),
    ],
  },
  submission: {
    measures:
      "The sender milter's decision per authenticated message (end of headers to answer), against real postfix: no sender field, an owned From, a refused From, an LDAP login's From, and two logins in turn.",
    limits:
      "One round trip to the internal check smtpd per distinct sender address (MAIL FROM, RSET), plus XCLIENT and EHLO when the login differs from the last one on that session; an LDAP login adds postfix's directory lookup.",
    targets: [atMost('decision.ownedFrom.p99Ms', 20, ' ms'), atMost('decision.ldapFrom.p99Ms', 50, ' ms')],
  },
  'seed-render': {
    measures:
      'The seed rendering and applying 1,000 MAIL_BOXES + 1,000 MAIL_ALIASES (validation, postfix staging, tables indexed, files written), on a first start and on an unchanged re-run, against writing the same two tables and running a plain `postmap` on each, in the same run.',
    limits:
      'Process starts: postconf -d (the pass-through needs every parameter name), one postfix run to validate the staged main.cf, and one postmap per changed table; then the fsync of each written file.',
    targets: [atMost('firstStart.vsPostmap', 3, '×'), atMost('unchangedRerun.vsPostmap', 3, '×')],
    profile: [
      'Before (3.4× on the first start): 15 process starts per run (postconf -d, doveconf -d, postconf -e for the check copy, `postfix status` under script(1): script, bash, postfix, postfix-script, postconf, master -t and postlog; postconf -h and postconf -M for the postlog check; one postmap per table) and two fsyncs per written file, one file after the other.',
      'Now: postconf -d (doveconf -d only when a DOVECOT_* variable is set), one postfix run whose postfix-script is true(1) in the scratch copy (the same parameter checks; script(1) only to report why a config was rejected), the postlog check and the check copy written in-process; the changed tables indexed under temp names while postfix validates (one postmap each, side by side; a refused config drops them); files written side by side, each as soon as its directories exist, with one fsync each plus one per directory.',
      'An unchanged re-run validates the same way and compares every file and table by content: nothing is written, no postmap runs.',
      'Since 7 Dec the stage also runs `doveconf -n` over the planned dovecot files; it now runs while postfix stages and validates (two processes, neither writes anything live) instead of before it, its refusal still told first and dropping what staging made.',
    ],
  },
  'seed-scale': {
    measures:
      'How seeding grows with the tables: the seed as shipped (bundle, launcher flags, one process per run), with 1,000, 10,000 and 100,000 mailboxes plus as many aliases given as MAIL_BOXES__FILE / MAIL_ALIASES__FILE, on a fresh root (first start) and again with FORCE_CONFIG and nothing changed; each against a plain `postmap` of the same two table sources in the same run, and its peak RSS.',
    limits:
      "Parsing and validating every address, postfix's staged check, and `postmap` of the two tables under temp names (the floor the ratio is taken against); an unchanged re-run renders and compares but writes nothing. A fixed ~0.65 s per process (node start, postconf -d, the staged postfix check, the announcement on the local bus; without a bus the seed waited 1.4 s more for one) dominates up to 10,000, so the target is judged at the largest size. Above that, the passes over the lists (each parses the entries again, in --lite-mode's interpreter) and the collection of their garbage.",
    profile: [
      "Fixed (peak RSS at 100,000 mailboxes + 100,000 aliases, /usr/bin/time as this bench takes it, off-image on a loaded machine: 190 → 172 MB): classic zod in every bundle (~8 MB, see startup), a set per alias while rendering virtual_alias (~40 MB live; each alias's targets are now kept as their joined table value), and two table-sized Buffers encoded for nothing at commit. Left: the parsed environment alone is ~50 MB of heap at 100,000 + 100,000 entries (the raw lists, an object per mailbox and alias, their strings), 107 MB resident before rendering starts; under 100 MB needs the tables streamed from the list files to postmap's sources instead of held as parsed objects.",
      "Fixed (8 Dec, same machine under load, load average 8-11; 100,000 + 100,000: peak RSS 165-208 → 91 MB, first start 6.2 → 4.0× postmap, the seed's own CPU ~5.5 → ~3.8 s): MAIL_BOXES and MAIL_ALIASES are kept as their text (EntryList, validated once when parsed, every bad entry still reported at once) and parsed again an entry at a time by each pass, never held as an object per entry; the words are split a 64 KB span at a time with the native split (a loop over characters was five times slower in --lite-mode); the two tables are built straight into one buffer each that grows in place (no string per line, no joined text, no copy), the alias table in one pass unless an alias repeats; the tables file is written to its temp file in pieces while digested, in one pass, and kept only when its digest is not the file's; files are compared with what is on disk a block at a time instead of read whole; the table sources are let go once written, before the tables file is made.",
      "Profiled (8 Dec, node --cpu-prof on the bundle as the launcher starts it, 100,000 + 100,000, first start, load average 8-11; one run of ~4.9 s): node's start and the bundle's modules ~0.45 s; parsing and validating the two lists ~1.0 s (of it ~0.2 s collecting garbage); the facts (postconf -d, the daemons' version probes) 0.15-0.45 s after that; rendering ~1.65 s, nearly all virtual_mailbox and virtual_alias (the alias table ~1.0 s: an array per alias's targets, merged and joined); staging ~0.55 s, this process idle while postmap, the staged postfix check and doveconf -n run; the commit ~0.8 s, nearly all the tables file (a JSON text per entry, hashed, written, fsynced); the bus announcement ~0.2 s. Collecting garbage ~0.65 s in all.",
      "Fixed (same day; before and after back to back. Under load average 5-7, three runs each: first start median 5.85 → 4.95 s, 5.4 → 4.7× postmap, unchanged re-run 5.0 → 4.3 s. Alternating eight first starts each, load 2-5: 4.27 → 3.85 s mean. The seed's commit phase 1.0-1.9 → 0.1-0.4 s, its facts phase 0.25-0.45 → 0.08-0.2 s; peak RSS 90-96 → 93-97 MB, the tables file now made while the table sources' temp files are indexed): the tables file is made, hashed, written and fsynced under its temp name while postmap, postfix and doveconf check the staged configuration, and renamed into place after the commit (dropped when the seeding is refused; byte-identical); a table's source is fsynced together with its index after postmap (it was fsynced before postmap started) and let go once in its temp file, so that it is not held while the tables file is made; postconf -d and the version probes start before the environment is parsed, their processes running while the lists are validated; an alias's value is made without an array per alias (its targets' share of the alias table ~0.39 → ~0.18 s of CPU).",
      "Left (the first start 4.2× postmap in the full run at load average 1.4-2, where postmap took 0.62-0.75 s and the seed 3.0-3.8 s): parsing every entry three times (validation, the tables, the tables file) in --lite-mode's interpreter and collecting their garbage (~2.5 s of CPU in all); the fixed ~0.65 s per process. Next: one parse per entry for the tables and the tables file (the render's pass making the JSON text too, held as bytes as the tables are), and validation that does not build an entry object.",
    ],
    targets: [
      atMost('curves.firstStart.exponent', 1.1),
      atMost('curves.unchangedRerun.exponent', 1.1),
      atMost('largest.firstVsPostmap', 3, '×'),
      atMost('largest.peakRssMB', 100, ' MB'),
    ],
  },
  'spamd-learn': {
    measures:
      "The seed's way of learning (one sa-learn per file) against the sidecar's batch (one sa-learn for all files, then one sync), same files, same run; and the idle memory and CPU of the sidecar as shipped.",
    limits: "sa-learn's Perl start-up per call; for the idle figures, node's own baseline heap.",
    targets: [atLeast('ratio', 20, '×'), atMost('idle.bundled.rssMB', 50, ' MB')],
  },
  'spamd-learn-scale': {
    measures:
      "How learning grows with the files kopano drops at once (200, 2,000 and 20,000 spam messages): the real sidecar as shipped, on a fresh Bayes DB each run, timed until it has learned every file and until the DB holds them all after the journal sync (read with sa-learn as amavis), and the sidecar's peak RSS.",
    limits:
      "sa-learn's own work per message (tokenising, the Bayes journal) in batches of SPAMD_BATCH_MAX files, one batch at a time; the sidecar copies each file into its staging directory before the batch is learned.",
    targets: [
      atMost('curves.learned.exponent', 1.1),
      atMost('curves.synced.exponent', 1.1),
      atMost('curves.peakRss.exponent', 1.1),
      atMost('largest.peakRssMB', 100, ' MB'),
    ],
  },
  'type-check': {
    measures:
      "amavis's CPU per message and the chain's throughput with its content-type check (file(1) on every part, archives decoded by type) against the same chain without file(1), the pipeline corpus through two chains side by side in alternating chunks.",
    limits:
      'One file(1) run per message and decoding level (libmagic loading its database each time), and the archive programs for archives. No target: reported; the pipeline efficiency target covers the whole chain.',
    targets: [],
  },
  startup: {
    measures:
      "Cold start of the image to the SMTP 220 banner (mini and full), against the container runtime's own start of the same image, and the idle memory of every long-running sidecar.",
    limits: "The seed (one-shot) and postfix's start in mini; in full, amavis loading SpamAssassin's rules before it listens.",
    profile: [
      "Fixed (idle sidecars 51-57 MB against 49 MB on 1 Dec): the effective-configuration and start-plan schemas (7 Dec) imported classic zod, which put every zod locale into each sidecar's main chunk (+600 KB, 8-11 MB resident each: bundled guard 62 → 54.5 MB, acme-watch 62 → 51.6, dkim-keys 69 → 59.6, metrics 55 → 52, off-image, against 50.7 / 50.6 / 57.5 / 51.7 for the 1 Dec bundles); they use zod/mini now, English messages load on a failed parse only, and lint refuses 'zod'. Left: the guard's 4 MB over 1 Dec is its own growth since (ban caps, fleet ledger, dovecot tables, more variables).",
    ],
    targets: [
      atMost('variants.mini.medianMs', 3000, ' ms'),
      atMost('variants.full.medianMs', 8000, ' ms'),
      ...['acme-watch', 'dkim-keys', 'guard', 'metrics', 'sender-milter', 'spamd-learn'].map((s) =>
        atMost(`idle.sidecars.${s}.rssMB`, 50, ' MB'),
      ),
    ],
  },
};
