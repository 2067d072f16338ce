import { readFile } from 'node:fs/promises';
import type { Bus, Logger } from '@mta/shared';
import { fileStamp, MtaError } from '@mta/shared';
import { chooseCertificate, type Rejected } from './choose.ts';
import type { CertInfo } from './inspect.ts';
import { installFiles, type Servable, type Targets } from './install.ts';
import { reloadDaemons } from './reload.ts';
import { type Seen, SeenStore, sameTargets, targetStamps } from './seen.ts';
import { type AcmeEntry, parseAcmeJson } from './traefik.ts';

export interface ServiceOptions {
  file: string;
  names: readonly string[];
  resolver?: string;
  targets: Targets;
  // Shell command after a change; '' = none.
  hook: string;
  hookTimeoutMs: number;
  // An unparseable file must stay unchanged this long before it counts as broken (Traefik writes in place).
  settleMs?: number;
  log: Logger;
  bus: Pick<Bus, 'publish'>;
  now?: () => Date;
  // After every install or re-check of the served certificate (fleet mode publishes it to the bucket).
  onServed?: (c: Servable & { name: string }) => void;
  // Where the stamps of the last pass are kept across processes (the `--once` entry step, then the service).
  seenFile?: string;
  // false for the entry step: the daemons start after it and read the new files anyway.
  reload?: boolean;
}

export type PassOutcome = 'missing' | 'empty' | 'settling' | 'rejected' | 'installed' | 'current';

// One evaluation of acme.json: read, parse, choose, install. The caller serialises passes and asks again
// after `retryInMs` when the file may still be mid-write.
export class AcmeService {
  // Stamps of acme.json and of the installed files after the last pass: unchanged stamps, nothing to do.
  private seen: Seen | undefined;
  private badText: string | undefined;
  private missingLogged = false;
  private started = false;
  // What this process chose last: re-installed when an installed file or config changes, so a deleted file heals.
  private current: (Servable & { name: string }) | undefined;
  private readonly store: SeenStore;
  // Stamps taken right after this pass wrote the files (before reloads and the hook), so a change made meanwhile
  // still shows at the next pass.
  private installedTargets: Seen['targets'] | undefined;
  retryInMs: number | undefined;

  constructor(private readonly opts: ServiceOptions) {
    this.store = new SeenStore(opts.seenFile, opts.log);
  }

  async pass(): Promise<PassOutcome> {
    const { opts } = this;
    this.retryInMs = undefined;
    this.installedTargets = undefined;
    // Stamped before reading: a write during the pass leaves a stamp that differs at the next pass.
    const acme = await fileStamp(opts.file).catch(() => undefined);
    const targets = await targetStamps(opts.targets);
    if (!this.started) {
      this.started = true;
      // Fleet publishing needs the certificate itself, so only a plain watcher trusts the last process's pass.
      const saved = opts.onServed ? undefined : await this.store.load();
      if (acme && saved?.acme === acme && sameTargets(saved.targets, targets)) {
        this.seen = saved;
        opts.log.info({ event: 'acme.unchanged', file: opts.file }, 'certificate unchanged since it was installed');
        return 'current';
      }
    }
    if (acme && this.seen?.acme === acme) {
      if (sameTargets(this.seen.targets, targets)) return 'current';
      if (this.current) return this.remember(acme, targets, await this.install(this.current));
    }
    let text: string;
    try {
      text = await readFile(opts.file, 'utf8');
    } catch (e) {
      if (!this.missingLogged)
        opts.log.info({ event: 'acme.waiting', file: opts.file, err: (e as Error).message }, 'acme file not readable yet');
      this.missingLogged = true;
      this.seen = undefined;
      return 'missing';
    }
    this.missingLogged = false;
    opts.log.debug({ event: 'acme.read', bytes: text.length }, 'acme file changed');
    let entries: AcmeEntry[];
    try {
      entries = parseAcmeJson(text, opts.file);
    } catch (e) {
      if (text !== this.badText) {
        // Maybe half-written: judge only once the same content was seen again after settleMs.
        this.badText = text;
        this.retryInMs = opts.settleMs ?? 1000;
        opts.log.debug({ event: 'acme.settling', file: opts.file }, 'acme file does not parse yet; waiting for it to settle');
        return 'settling';
      }
      this.reject({ reason: MtaError.from(e).message });
      return this.remember(acme, targets, 'rejected');
    }
    this.badText = undefined;
    const outcome = await this.choose(entries); // throws on I/O trouble: the same content is tried again later
    return this.remember(acme, targets, outcome);
  }

  // The stamps of a finished pass (of its start when it wrote nothing); kept on disk too, for the next process.
  private async remember(acme: string | undefined, atStart: Seen['targets'], outcome: PassOutcome): Promise<PassOutcome> {
    const targets = this.installedTargets ?? atStart;
    this.installedTargets = undefined;
    if (!acme) return outcome;
    this.seen = { acme, targets };
    await this.store.save(this.seen);
    return outcome;
  }

  // Records from another source (the fleet bucket): the same choice, checks, atomic install and hook as acme.json.
  async offer(entries: AcmeEntry[]): Promise<PassOutcome> {
    try {
      return await this.choose(entries);
    } finally {
      this.installedTargets = undefined;
    }
  }

  // Public facts of the certificate this process serves, for fleet heartbeats.
  get served(): CertInfo | undefined {
    return this.current?.info;
  }

  private async choose(entries: AcmeEntry[]): Promise<PassOutcome> {
    const { opts } = this;
    if (!entries.length) {
      // Traefik has not obtained anything yet (empty file, null Certificates): nothing to reject.
      opts.log.info({ event: 'acme.empty', file: opts.file }, 'acme file holds no certificates yet');
      return 'empty';
    }
    const { chosen, rejected } = chooseCertificate(entries, {
      names: opts.names,
      resolver: opts.resolver,
      now: (opts.now ?? (() => new Date()))(),
    });
    // Rejections matter when nothing is servable, or when they would have beaten the chosen certificate.
    const notable = rejected.filter((r) => !chosen?.info || !r.notAfter || r.notAfter > chosen.info.notAfter);
    for (const r of notable) this.reject(r);
    if (!chosen?.info || !chosen.keyPem || !chosen.chainPem) {
      const from = opts.resolver ? ` from resolver ${opts.resolver}` : '';
      if (!notable.length) this.reject({ reason: `no certificate for ${opts.names.join(', ') || '(no names)'}${from}` });
      return 'rejected';
    }
    const { keyPem, chainPem, info, entry, name } = chosen;
    return this.install({ keyPem, chainPem, info, resolver: entry.resolver, main: entry.main, name });
  }

  private async install(c: Servable & { name: string }): Promise<PassOutcome> {
    const { opts } = this;
    const r = await installFiles(opts.targets, c, opts.file, opts.log);
    this.installedTargets = await targetStamps(opts.targets);
    this.current = c;
    opts.onServed?.(c);
    if (!r.filesChanged && !r.postfixChanged && !r.sniChanged && !r.dovecotChanged) {
      opts.log.debug({ event: 'acme.current', serial: c.info.serial }, 'certificate already installed');
      return 'current';
    }
    if (r.filesChanged) {
      const { serial, notAfter, notBefore, fingerprint, sans } = c.info;
      const facts = { file: opts.file, name: c.name, domains: sans, main: c.main, serial, notAfter, resolver: c.resolver ?? null };
      opts.log.info({ event: 'acme.cert.installed', ...facts }, 'certificate installed');
      opts.bus.publish('mta.acme.cert.installed', { ...facts, notBefore, fingerprint });
    }
    if (opts.reload !== false) await reloadDaemons(opts, { dovecot: r.dovecotChanged !== undefined, postfixConfig: r.postfixChanged });
    return 'installed';
  }

  private reject(r: Partial<Rejected> & { reason: string }): void {
    const payload = { file: this.opts.file, ...r, domains: r.main ? [r.main] : [] };
    this.opts.log.warn({ event: 'acme.cert.rejected', ...payload }, `certificate rejected: ${r.reason}`);
    this.opts.bus.publish('mta.acme.cert.rejected', payload);
  }
}
