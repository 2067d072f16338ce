import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { filterRenderer } from '@mta/seed/amavis/index';
import { type FilterLayout, filterLayout } from '@mta/seed/amavis/layout';
import type { RenderContext, Renderer } from '@mta/seed/plan';
import { mtaPaths, parseEnv } from '@mta/shared';
import { type Daemon, startDaemon } from '../harness/daemon.ts';
import { type DnsRecords, type DnsServer, startDns } from '../harness/dns.ts';
import { eventually, freePort, waitForPort } from '../harness/net.ts';
import { type Postfix, scaffoldConfig, startPostfix, toSink } from '../harness/postfix.ts';
import { type Sink, startSink } from '../harness/sink.ts';
import type { SwaksResult } from '../harness/swaks.ts';
import { tempRoot } from '../harness/tmp.ts';
import { applyPart } from './apply-part.ts';
import { attachmentMail, plainMail } from './messages.ts';
import { type Port25Milters, renderPort25Milters, startPort25Milters } from './port25-milters.ts';

const FIXTURE_DB = new URL('../fixtures/clamav/', import.meta.url).pathname;

// Per-test differences; everything else comes from the renderer.
export interface ChainOptions {
  env: Record<string, string>;
  // Extra SpamAssassin rules for the test (written beside the rendered local.cf, read before it).
  saRules?: string;
  // SpamAssassin settings read after local.cf (zz-test.cf), so they win over the rendered ones.
  saRulesLast?: string;
  // Extra amavis Perl (the 99-mta-local hook).
  amavisLocal?: string;
  dns?: DnsServer;
  clamd?: boolean;
  // CPU count the renderer sizes amavis for (default 2); benches pass the machine's.
  cpus?: number;
  // Runs after the config is written and before the daemons start (e.g. to drop in the DKIM snippet).
  beforeStart?: (root: string) => void | Promise<void>;
  // The image's layout under the root as well (mtaPaths): postfix's config and queue linked where the sidecars look,
  // postfix and amavis logging to run/mta/log/<daemon>/current as svlogd keeps them (metrics, guard).
  mtaLayout?: boolean;
  // The port-25 milters before the queue (arc-milter verify, opendkim, OpenDMARC, arc-milter enforce), as the DMARC
  // renderer configures them, on a second public port (FilterChain.milters); their DNS server answers `records`.
  milters?: { records: DnsRecords };
}

// One line of `postqueue -j`.
interface QueueEntry {
  queue_name: string;
  queue_id: string;
  sender: string;
  recipients: { address: string; delay_reason?: string }[];
}

// A restartable daemon: the tests stop amavis/clamd in the middle and expect the chain to recover.
export interface Service {
  start: () => Promise<void>;
  stop: () => Promise<void>;
  output: () => string;
  // The running daemon's pid (benches profile its process tree).
  pid: () => number | undefined;
}

// Handles a test needs: the daemons (restartable), the sink, the queue.
export interface FilterChain {
  root: string;
  layout: FilterLayout;
  port: number;
  // amavis's inbound and originating listeners, and postfix's reinjection listener.
  ports: { amavis: number; originating: number; reinject: number };
  postfix: Postfix;
  sink: Sink;
  dns: DnsServer;
  amavis: Service;
  clamd: Service;
  // With ChainOptions.milters: the milter port, and `send` through it as its client address (XCLIENT).
  milters?: Port25Milters & { send: (from: string, to: string, data: string, extra?: string[]) => Promise<SwaksResult> };
  send: (from: string, to: string, data: string, extra?: string[]) => Promise<SwaksResult>;
  // A plain text message from `from` to `to` (plainMail), sent like `send`.
  mail: (from: string, to: string, subject: string, body: string, extra?: string[]) => Promise<SwaksResult>;
  // A message with one attachment (attachmentMail), sent like `send`.
  attach: (from: string, to: string, subject: string, name: string, content: string | Buffer, type?: string) => Promise<SwaksResult>;
  queue: () => QueueEntry[];
  flush: () => void;
  stop: () => Promise<void>;
}

// postfix -> amavis (SpamAssassin, clamd) -> postfix -> sink, all real daemons in one temp root, configured
// only by what the content filter renderer produced from `env`.
export async function startFilterChain(opts: ChainOptions): Promise<FilterChain> {
  // A port taken between its pick and amavis's bind (by a parallel test) is the one failure a fresh set of ports fixes.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startFilterChainOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !/not as amavis/.test((e as Error).message)) throw e;
    }
  }
}

async function startFilterChainOnce(opts: ChainOptions): Promise<FilterChain> {
  const tmp = await tempRoot('mta-filter-');
  const root = tmp.dir;
  const cleanups: (() => Promise<void>)[] = [tmp.cleanup];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const [port, amavisPort, originating, reinject] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const sink = await startSink();
    cleanups.push(sink.stop);
    // The milters' records on the chain's own DNS as well: amavis and SpamAssassin check the same DKIM signatures and SPF.
    const dns = opts.dns ?? (await startDns(opts.milters?.records));
    if (!opts.dns) cleanups.push(dns.stop);

    const env: Record<string, string> = { HOSTNAME: 'mx.example.com', MAIL_DOMAIN: 'example.com', ...opts.env };
    const parsed = parseEnv(env);
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.variable}: ${e.message}`).join('; '));
    const paths = mtaPaths(root);
    const ctx: RenderContext = {
      config: parsed.config,
      env: parsed.env,
      paths,
      variant: 'full',
      postfixParams: new Set(),
      dovecotParams: new Set(),
      daemons: {},
      readFile: () => undefined,
      now: new Date(),
    };
    const layout = filterLayout(paths);
    const amavisLog = opts.mtaLayout ? join(paths.logDir, 'amavis', 'current') : join(root, 'amavis.log');
    const part = filterRenderer({
      cpus: opts.cpus ?? 2,
      ports: { amavis: amavisPort, originating, reinject },
      smtpService: String(port),
      amavisLogFile: amavisLog,
      clamdLogFile: join(root, 'clamd.log'),
    })(ctx);

    const pfRoot = join(root, 'postfix');
    const conf = scaffoldConfig(pfRoot, port, {
      myhostname: 'mx.example.com',
      mydomain: 'example.com',
      mydestination: '',
      relay_domains: (parsed.config.MAIL_DOMAIN ?? []).join(' '),
      mynetworks: env.MYNETWORKS ?? '127.0.0.0/8',
      ...toSink(sink.port),
    });
    applyPart(part, conf);
    const milterPort = opts.milters ? await renderPort25Milters(ctx, conf) : undefined;
    if (opts.mtaLayout) {
      for (const d of ['postfix', 'amavis']) mkdirSync(join(paths.logDir, d), { recursive: true });
      const maillog = join(paths.logDir, 'postfix', 'current');
      execFileSync('postconf', ['-c', conf, '-e', `maillog_file=${maillog}`, `maillog_file_prefixes=/var,/dev/stdout,${root}`]);
      mkdirSync(join(root, 'var/spool'), { recursive: true });
      symlinkSync(join(pfRoot, 'spool'), paths.postfixQueue);
      mkdirSync(join(root, 'etc'), { recursive: true });
      symlinkSync(conf, paths.postfixConf);
    }

    const { clamd, amavis } = await startFilterDaemons({
      root,
      layout,
      dns,
      amavisLog,
      amavisPort,
      saRules: opts.saRules,
      saRulesLast: opts.saRulesLast,
      amavisLocal: opts.amavisLocal,
      clamd: opts.clamd,
      beforeStart: opts.beforeStart,
    });
    cleanups.push(clamd.stop, amavis.stop);
    const postfix = await startPostfix(conf, port);
    cleanups.push(postfix.stop);
    const milters = opts.milters && milterPort ? await startPort25Milters(ctx, milterPort, opts.milters.records) : undefined;
    if (milters) cleanups.push(milters.stop);

    const swaksTo = (p: number, from: string, to: string, data: string, extra: string[]) =>
      swaksAsync(['--server', '127.0.0.1', '--port', String(p), '--from', from, '--to', to, '--data', data, ...extra]);
    const send = (from: string, to: string, data: string, extra: string[] = []) => swaksTo(port, from, to, data, extra);
    return {
      root,
      layout,
      port,
      ports: { amavis: amavisPort, originating, reinject },
      postfix,
      sink,
      dns,
      amavis,
      clamd,
      ...(milters && {
        milters: {
          ...milters,
          send: (from: string, to: string, data: string, extra: string[] = []) =>
            swaksTo(milters.port, from, to, data, ['--xclient-addr', milters.client, '--xclient-name', '[UNAVAILABLE]', ...extra]),
        },
      }),
      send,
      mail: (from, to, subject, body, extra) => send(from, to, plainMail(from, to, subject, body), extra),
      attach: (from, to, subject, name, content, type) => send(from, to, attachmentMail(from, to, subject, name, content, type)),
      queue: () =>
        execFileSync('postqueue', ['-c', conf, '-j'])
          .toString()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as QueueEntry),
      flush: () => execFileSync('postqueue', ['-c', conf, '-f']),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

// The filter of a seeded full postfix (seededPostfix) on free ports, logging to amavis.log and clamd.log in `dir`: its
// renderer, and what startFilterDaemons needs to know of it.
// A chain for one test: started, handed to `use`, and stopped whatever `use` did.
export async function withFilterChain<T>(opts: ChainOptions, use: (c: FilterChain) => Promise<T>): Promise<T> {
  const c = await startFilterChain(opts);
  try {
    return await use(c);
  } finally {
    await c.stop();
  }
}

export async function amavisFilter(dir: string): Promise<{ renderer: Renderer; amavisLog: string; amavisPort: number }> {
  const ports = { amavis: await freePort(), originating: await freePort(), reinject: await freePort() };
  const amavisLog = join(dir, 'amavis.log');
  const renderer = filterRenderer({ cpus: 2, ports, amavisLogFile: amavisLog, clamdLogFile: join(dir, 'clamd.log') });
  return { renderer, amavisLog, amavisPort: ports.amavis };
}

// The content filter's daemons on a rendered root: SpamAssassin asks only the test DNS, Razor nobody, clamd loads the
// one-signature fixture database; amavis (and clamd unless `clamd: false`) started and answering.
export async function startFilterDaemons(o: {
  root: string;
  layout: FilterLayout;
  dns: DnsServer;
  amavisLog: string;
  amavisPort: number;
  saRules?: string;
  saRulesLast?: string;
  amavisLocal?: string;
  clamd?: boolean;
  beforeStart?: (root: string) => void | Promise<void>;
}): Promise<{ clamd: Service; amavis: Service }> {
  const { root, layout, dns, amavisLog } = o;
  // The image ships the distribution's plugin loaders (*.pre) in the same directory as local.cf.
  for (const f of readdirSync('/etc/spamassassin').filter((n) => n.endsWith('.pre')))
    copyFileSync(join('/etc/spamassassin', f), join(layout.saConfDir, f));
  // Only the test's DNS server is ever asked; Razor's discovery goes to a loopback port nobody listens on.
  writeFileSync(join(layout.saConfDir, '90-test.cf'), `dns_server 127.0.0.1:${dns.port}\ndns_available yes\n${o.saRules ?? ''}\n`);
  if (o.saRulesLast) writeFileSync(join(layout.saConfDir, 'zz-test.cf'), `${o.saRulesLast}\n`);
  writeFileSync(join(layout.razorHome, 'servers.discovery.lst'), '127.0.0.1\n');
  writeFileSync(
    join(layout.razorHome, 'razor-agent.conf'),
    `razorhome = ${layout.razorHome}\nlistfile_discovery = servers.discovery.lst\nlogfile = ${join(root, 'razor.log')}\ndebuglevel = 0\n`,
  );
  execFileSync('chown', ['-R', 'amavis:amavis', layout.razorHome]);
  writeFileSync(
    layout.amavisLocal,
    // amavis's DKIM verifier would build its resolver from /etc/resolv.conf; preset the one it reuses instead.
    `require Net::DNS; require Mail::DKIM::DNS;
$Amavis::dns_resolver = Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => ${dns.port}, retry => 1, udp_timeout => 3);
Mail::DKIM::DNS::resolver($Amavis::dns_resolver);
${o.amavisLocal ?? ''}
1;
`,
  );
  // amavis opens its log after dropping privileges.
  writeFileSync(amavisLog, '');
  execFileSync('chown', ['amavis:amavis', amavisLog]);
  for (const f of readdirSync(FIXTURE_DB).filter((n) => n.endsWith('.hdb'))) copyFileSync(join(FIXTURE_DB, f), join(layout.clamdDb, f));

  await o.beforeStart?.(root);
  const clamd = service(
    () => startDaemon('clamd', ['-c', layout.clamdConfFile]),
    () => waitForSocket(layout.clamdSocket),
  );
  const amavis = service(
    () => startDaemon('amavisd', ['-c', layout.amavisConfFile, 'foreground']),
    // Its own greeting, not just an open port: a free port picked here can be taken by a parallel test's daemon before
    // amavis binds it, and amavis then exits while the port answers.
    async () => {
      await waitForPort(o.amavisPort, '127.0.0.1', 40_000);
      const hello = await greeting(o.amavisPort);
      if (!/amavis/i.test(hello)) throw new Error(`port ${o.amavisPort} answers, but not as amavis: ${JSON.stringify(hello)}`);
    },
    () => readLog(amavisLog),
  );
  try {
    if (o.clamd !== false) await clamd.start();
    await amavis.start();
  } catch (e) {
    await clamd.stop();
    throw e;
  }
  return { clamd, amavis };
}

function service(start: () => Daemon, ready: () => Promise<void>, log?: () => string): Service {
  let d: Daemon | undefined;
  return {
    start: async () => {
      d = start();
      try {
        await ready();
      } catch (e) {
        const out = `${d.output()}\n${log?.() ?? ''}`;
        await d.stop();
        throw new Error(`${(e as Error).message}\n${out.slice(-3000)}`, { cause: e });
      }
    },
    stop: async () => {
      await d?.stop();
    },
    output: () => `${d?.output() ?? ''}${log?.() ?? ''}`,
    pid: () => d?.proc.pid,
  };
}

// swaks without blocking the event loop: the sink and the DNS server live in this process and must keep answering.
function swaksAsync(args: string[]): Promise<SwaksResult> {
  return new Promise((resolve) => {
    const p = spawn('swaks', ['--hide-informational', '--timeout', '10', ...args]);
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => (output += d));
    p.on('close', (code) => resolve({ status: code ?? -1, output }));
  });
}

// The first line a server on 127.0.0.1:port says (SMTP greets first). amavis binds its port before SpamAssassin has
// loaded, and its children greet only after that: on a loaded machine this takes far longer than a second or ten.
function greeting(port: number, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      sock.destroy();
      resolve(got.split('\n')[0] ?? '');
    };
    sock.setTimeout(timeoutMs, done);
    sock.on('data', (d) => {
      got += d;
      if (got.includes('\n')) done();
    });
    sock.on('error', done);
    sock.on('close', done);
  });
}

const readLog = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');

// clamd is ready once its socket answers PING; until then amavis's scans fail and mail stays deferred.
async function waitForSocket(path: string): Promise<void> {
  await eventually(
    () =>
      new Promise<boolean>((resolve) => {
        const s = connect(path);
        s.once('error', () => resolve(false));
        s.once('connect', () => s.write('zPING\0'));
        s.once('data', (d) => {
          s.destroy();
          resolve(d.toString().startsWith('PONG'));
        });
      }),
    20_000,
    `clamd answering on ${path}`,
  );
}
