import { type ChildProcess, spawn } from 'node:child_process';
import { type Logger, StreamFramer, supervise } from '@mta/shared';
import { MAX_DATAGRAM } from './datagram.ts';

// Node has no UNIX datagram sockets (node:dgram is UDP only), and libtlsrpt sends one datagram per TLS attempt. This
// receiver is Perl's core Socket module (perl-base: Essential in Debian, in every variant): it binds the socket, and
// writes each datagram to its stdout behind its length (4 bytes, big-endian), so no content can be taken for a frame
// boundary. A datagram is read with a buffer larger than MAX_DATAGRAM, so one that is too large arrives too large
// (and is refused) instead of cut to something that parses. It ends when its stdin closes (this process ended).
// The socket is 0666 in a directory only root, this sidecar and the postfix group may enter.
export const RELAY_SCRIPT = String.raw`
use strict; use warnings; use Socket;
my $path = shift @ARGV;
socket(my $s, PF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\n";
unlink $path;
my $old = umask 0111;
bind($s, pack_sockaddr_un($path)) or die "bind: $!\n";
umask $old;
binmode STDOUT; $| = 1;
print "R";
my $rin = ''; vec($rin, fileno($s), 1) = 1; vec($rin, fileno(STDIN), 1) = 1;
while (1) {
  my $n = select(my $rout = $rin, undef, undef, undef);
  next if $n < 0;
  if (vec($rout, fileno(STDIN), 1)) { my $r = sysread(STDIN, my $b, 1); if (!$r) { unlink $path; exit 0; } }
  if (vec($rout, fileno($s), 1)) {
    defined(recv($s, my $d, ${MAX_DATAGRAM + 1}, 0)) or next;
    print pack('N', length $d), $d;
  }
}
`;

// The relay's stdout -> whole datagrams. After the ready byte "R", frames: length, then that many bytes.
export class FrameReader {
  ready = false;
  private readonly framer: StreamFramer<Buffer | undefined>;

  constructor(max = MAX_DATAGRAM + 1) {
    this.framer = new StreamFramer((buf) => {
      if (!this.ready) {
        if (!buf.length) return undefined;
        if (buf[0] !== 0x52) throw new Error('the TLS-RPT relay did not start as expected');
        this.ready = true;
        return { frame: undefined, used: 1 };
      }
      if (buf.length < 4) return undefined;
      const len = buf.readUInt32BE(0);
      if (len > max) throw new Error('the TLS-RPT relay sent a frame larger than it reads');
      if (buf.length < 4 + len) return undefined;
      return { frame: Buffer.from(buf.subarray(4, 4 + len)), used: 4 + len };
    });
  }

  push(chunk: Buffer): Buffer[] {
    return this.framer.push(chunk).filter((f): f is Buffer => f !== undefined);
  }
}

export interface Relay {
  // Resolves once the socket is bound (the first time).
  ready: Promise<void>;
  close: () => Promise<void>;
}

// Runs the receiver, and runs it again (after a pause) if it ends or sends something that is not a frame.
export function startRelay(socket: string, onDatagram: (d: Buffer) => void, log: Logger, perl = 'perl'): Relay {
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    markReady = r;
  });
  const loop = supervise({
    follow: true,
    firstMs: 1000,
    maxMs: 30_000,
    onError: (err, n) => {
      if (n === 1) log.warn({ event: 'tlsrpt.relay_failed', err: err.message }, 'the TLS-RPT receiver stopped; starting it again');
    },
    run: (signal) =>
      new Promise<void>((resolve, reject) => {
        const child: ChildProcess = spawn(perl, ['-e', RELAY_SCRIPT, socket], { stdio: ['pipe', 'pipe', 'pipe'] });
        const frames = new FrameReader();
        let err = '';
        child.stderr?.on('data', (c: Buffer) => void (err = `${err}${c}`.slice(-500)));
        child.stdout?.on('data', (c: Buffer) => {
          try {
            const got = frames.push(c);
            if (frames.ready) markReady();
            for (const d of got) onDatagram(d);
          } catch (e) {
            child.kill();
            reject(e);
          }
        });
        child.on('error', reject);
        child.on('close', (code) => {
          if (signal.aborted) resolve();
          else reject(new Error(`the receiver ended (${code}): ${err.trim()}`));
        });
        signal.addEventListener('abort', () => child.stdin?.end(), { once: true });
      }),
  });
  return { ready, close: () => loop.close() };
}
