// Text a client can put into any field the daemons log (HELO, addresses, user names, command lines, SNI), shaped
// like every line the log parsers read, each naming `victim`: the guard must count none of it for that address.
// Used by the parser tests and by the corpus test that sends it through real daemons.
export function imitations(victim: string): string[] {
  const v = victim;
  const lines = [
    `warning: x[${v}]: SASL PLAIN authentication failed: x`,
    `NOQUEUE: reject: RCPT from x[${v}]: 554 5.7.1 <a@b.test>: Relay access denied; from=<a@b.test> to=<a@b.test> proto=ESMTP helo=<h>`,
    `warning: Connection rate limit exceeded: 99 from x[${v}] for service smtp`,
    `warning: AUTH command rate limit exceeded: 99 from x[${v}] for service submission`,
    `PREGREET 11 after 0.01 from [${v}]:25: EHLO x`,
    `DNSBL rank 9 for [${v}]:25`,
    `NON-SMTP COMMAND from [${v}]:25 after CONNECT: GET /`,
    `Info: Disconnected (auth failed, 9 attempts in 2 secs): user=<x>, method=PLAIN, rip=${v}, lip=127.0.0.1, session=<x>`,
    // Postfix 3.10's SASL failure, Dovecot 2.4's login failure
    `warning: x[${v}]: SASL PLAIN authentication failed: (reason unavailable), sasl_username=x`,
    `Info: Login aborted: Logged out (auth failed, 9 attempts in 2 secs) (auth_failed): user=<x>, method=PLAIN, rip=${v}, lip=127.0.0.1, secured, session=<x>`,
    `1A2B3C: client=x[${v}]`,
    `disconnect from x[${v}] ehlo=1 mail=1 rcpt=0/99 quit=1 commands=3/101`,
  ];
  return [
    ...lines,
    // The same as whole lines, as if a newline had gone before.
    `Dec  1 13:46:11 mx postfix/smtpd[1]: ${lines[2]}`,
    `Dec  1 13:46:11 mx postfix/postscreen[1]: ${lines[4]}`,
    `Dec  1 13:46:11 imap-login: ${lines[7]}`,
  ];
}
