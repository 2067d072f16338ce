import { execFile } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';

// Mail::DKIM (what amavis itself uses to verify) checks a message, fetching keys from our loopback TXT server.
const SCRIPT = `
use strict; use Net::DNS::Resolver; use Mail::DKIM::DNS; use Mail::DKIM::Verifier;
Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => $ARGV[0], recurse => 0));
my $v = Mail::DKIM::Verifier->new;
while (my $line = <STDIN>) { $line =~ s/\\r?\\n\\z/\\r\\n/; $v->PRINT($line); }
$v->CLOSE;
print join(' ', map { $_->domain . '/' . $_->selector . '=' . $_->result } $v->signatures), "\\n";
`;

// Returns e.g. ["a.test/default=pass"], one entry per DKIM-Signature.
export function verifyDkim(message: string, dnsPort: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile('perl', ['-e', SCRIPT, String(dnsPort)], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`Mail::DKIM failed: ${stderr}`));
      else resolve(stdout.trim().split(/\s+/).filter(Boolean));
    });
    child.stdin?.end(message);
  });
}

// mailauth (an independent Node implementation) checks the same message against the same loopback DNS server.
// It reports a body that no longer matches its hash as `neutral`, Mail::DKIM as `fail`.
export async function verifyDkimMailauth(message: string, dnsPort: number): Promise<string[]> {
  const dns = new Resolver({ timeout: 2000, tries: 1 });
  dns.setServers([`127.0.0.1:${dnsPort}`]);
  const r = await dkimVerify(Buffer.from(message.replace(/\r?\n/g, '\r\n')), {
    resolver: (name: string, rr: string) => dns.resolve(name, rr as 'TXT'),
  });
  return r.results.map(
    (x: { signingDomain?: string; selector?: string; status: { result: string } }) => `${x.signingDomain}/${x.selector}=${x.status.result}`,
  );
}
