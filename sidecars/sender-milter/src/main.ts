#!/usr/bin/env node
import { isSenderField, runSidecar, startMilterServer } from '@mta/shared';
import { OwnershipCheck } from './check/ownership.ts';
import { Reporter } from './report.ts';
import { leaveRoot, readSettings } from './settings.ts';
import { decide } from './verdict.ts';

// Submission (465/587) sender check: a milter that refuses, before the queue, mail whose From/Sender/Resent-* headers
// name an address the login does not own, as postfix's own envelope rules say (asked through the check service).
await runSidecar({
  name: 'sender-milter',
  failEvent: 'sender-milter.fatal',
  service: async ({ log, bus, paths }) => {
    const settings = await readSettings(paths.senderMilterConf);
    const switched = await leaveRoot();
    const check = new OwnershipCheck({ socket: settings.check });
    const reporter = new Reporter(log, bus);
    const server = await startMilterServer({
      socket: settings.socket,
      session: {
        keep: isSenderField,
        maxFields: 32,
        maxFieldBytes: 8192,
        decide: async (m) => {
          const d = await decide(m, (login, addresses) => check.owns(login, addresses));
          reporter.report(d, m.login, m.queueId);
          return d.verdict;
        },
        onError: (err) => log.error({ event: 'sender-milter.error', err: err.message }, 'a sender check failed; the message is deferred'),
      },
      onDrop: (why) => log.warn({ event: 'sender-milter.dropped', why }, `dropped an MTA connection: ${why}`),
    });
    log.info(
      { event: 'sender-milter.ready', socket: settings.socket, check: settings.check, uid: process.getuid?.(), switched },
      `checking the sender headers of authenticated mail on ${settings.socket}`,
    );
    return async () => {
      await new Promise<void>((r) => server.close(() => r()));
      check.close();
    };
  },
});
