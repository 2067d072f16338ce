import { run } from '../exec.ts';

// Hands a report to the local postfix through sendmail (pickup, then the usual path out: the content filter, which
// signs it with the From domain's DKIM key when this server has one). postfixConf: the instance's config directory.
export async function submitMail(raw: string, from: string, to: string, postfixConf: string): Promise<void> {
  await run('sendmail', ['-C', postfixConf, '-f', from, '-i', '--', to], { input: raw.replace(/\r\n/g, '\n'), timeoutMs: 60_000 });
}
