import { spawn } from 'node:child_process';

// An independent DKIM implementation (Perl Mail::DKIM, not amavis) to sign test mail and to check what we sent.
// Asynchronous on purpose: the test's DNS server lives in this process and must keep answering meanwhile.
function perl(script: string, input: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('perl', ['-e', script], { env: { ...process.env, ...env }, timeout: 20_000 });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`perl Mail::DKIM failed (${code}): ${err}`))));
    p.stdin.end(input);
  });
}

const crlf = `while (my $l = <STDIN>) { $l =~ s/\\r?\\n\\z/\\r\\n/; $d->PRINT($l); } $d->CLOSE;`;

// Verifies the first signature against DNS served on 127.0.0.1:<port>; returns pass, fail, none, invalid, ….
export async function dkimVerify(raw: string, dnsPort: number): Promise<{ result: string; detail: string; domain: string }> {
  const out = await perl(
    `use Mail::DKIM::Verifier; use Mail::DKIM::DNS; use Net::DNS;
     Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => $ENV{DNS_PORT}, retry => 1));
     my $d = Mail::DKIM::Verifier->new; ${crlf}
     my $s = $d->signature; print join("\\t", $d->result, $d->result_detail, $s ? $s->domain : ''), "\\n";`,
    raw,
    { DNS_PORT: String(dnsPort) },
  );
  const [result = '', detail = '', domain = ''] = out.trim().split('\t');
  return { result, detail, domain };
}

// Signs a message as a foreign domain would (relaxed/relaxed, rsa-sha256), returning the signed text.
export async function dkimSign(raw: string, o: { domain: string; selector: string; keyFile: string }): Promise<string> {
  const sig = await perl(
    `use Mail::DKIM::Signer; use Mail::DKIM::PrivateKey;
     my $d = Mail::DKIM::Signer->new(Algorithm => 'rsa-sha256', Method => 'relaxed', Domain => $ENV{D},
       Selector => $ENV{S}, KeyFile => $ENV{K}, Headers => 'from:to:subject:date:message-id');
     ${crlf} print $d->signature->as_string, "\\n";`,
    raw,
    { D: o.domain, S: o.selector, K: o.keyFile },
  );
  return `${sig.trim().replace(/\r?\n/g, '\r\n')}\r\n${raw}`;
}
