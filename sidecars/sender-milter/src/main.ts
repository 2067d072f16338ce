#!/usr/bin/env node
import { isSenderField, type MessageFacts, runMilterSidecar } from '@mta/shared';
import { OwnershipCheck } from './check/ownership.ts';
import { Reporter } from './report.ts';
import { MILTER_USER, readSettings } from './settings.ts';
import { decide } from './verdict.ts';

// Submission (465/587) sender check: a milter that refuses, before the queue, mail whose From/Sender/Resent-* headers
// name an address the login does not own, as postfix's own envelope rules say (asked through the check service).
await runMilterSidecar({
  name: 'sender-milter',
  failing: 'a sender check',
  settings: ({ paths }) => readSettings(paths.senderMilterConf),
  user: () => MILTER_USER,
  setup: ({ log, bus }, settings) => {
    const check = new OwnershipCheck({ socket: settings.check });
    const reporter = new Reporter(log, bus);
    const session = {
      keep: isSenderField,
      maxFields: 32,
      maxFieldBytes: 8192,
      decide: async (m: MessageFacts) => {
        const d = await decide(m, (login, addresses) => check.owns(login, addresses));
        reporter.report(d, m.login, m.queueId);
        return d.verdict;
      },
    };
    return {
      sockets: [{ socket: settings.socket, session }],
      ready: {
        fields: { socket: settings.socket, check: settings.check },
        msg: `checking the sender headers of authenticated mail on ${settings.socket}`,
      },
      close: () => check.close(),
    };
  },
});
