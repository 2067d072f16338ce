import type { Server } from 'node:net';
import { runSidecar, type SidecarContext } from '../sidecar.ts';
import { leaveRootFor } from '../users.ts';
import { startMilterServer } from './server.ts';
import type { SessionOptions } from './session.ts';

// A socket a milter sidecar listens on and the sessions it serves there; errors are reported by runMilterSidecar.
export interface MilterSocket {
  socket: string;
  session: Omit<SessionOptions, 'onError'>;
}

// What a milter sidecar has made ready once it has read its settings and left root.
export interface MilterSetup {
  sockets: readonly MilterSocket[];
  // The `<name>.ready` event's own fields and message.
  ready: { fields: Record<string, unknown>; msg: string };
  close?: () => void;
}

export interface MilterSidecarSpec<S> {
  // The sidecar's name, also the prefix of its events: .fatal, .error, .dropped, .ready.
  name: string;
  // What failed when a decision throws, as the error is logged ('a sender check'): the message is deferred.
  failing: string;
  // The seed's settings file, read as root.
  settings: (ctx: SidecarContext) => Promise<S>;
  // The user it becomes (with the groups named; exactGroups: those alone, see supplementaryGroups) before it makes
  // anything ready.
  user: (settings: S) => { name: string; groups?: readonly string[]; exactGroups?: boolean };
  setup: (ctx: SidecarContext, settings: S) => MilterSetup;
}

// The one wiring of a milter sidecar: started as root (the environment's __FILE secrets are root's to read), it reads its
// settings, becomes its own user and only then listens, where every header and body it reads is a sender's; a failed
// decision and a dropped connection are logged under the sidecar's events, and every socket closes at shutdown.
export function runMilterSidecar<S>(spec: MilterSidecarSpec<S>): Promise<void> {
  return runSidecar({
    name: spec.name,
    failEvent: `${spec.name}.fatal`,
    service: async (ctx) => {
      const { log } = ctx;
      const settings = await spec.settings(ctx);
      const user = spec.user(settings);
      const switched = await leaveRootFor(user.name, user.groups, { exactGroups: user.exactGroups });
      const setup = spec.setup(ctx, settings);
      const onError = (err: Error) =>
        log.error({ event: `${spec.name}.error`, err: err.message }, `${spec.failing} failed; the message is deferred`);
      const onDrop = (why: string) => log.warn({ event: `${spec.name}.dropped`, why }, `dropped an MTA connection: ${why}`);
      const servers: Server[] = [];
      for (const s of setup.sockets)
        servers.push(await startMilterServer({ socket: s.socket, onDrop, session: { ...s.session, onError } }));
      log.info({ event: `${spec.name}.ready`, ...setup.ready.fields, uid: process.getuid?.(), switched }, setup.ready.msg);
      return async () => {
        await Promise.all(servers.map((srv) => new Promise<void>((r) => srv.close(() => r()))));
        setup.close?.();
      };
    },
  });
}
