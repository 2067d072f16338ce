import { execFile } from 'node:child_process';

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
