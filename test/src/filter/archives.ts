import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, gzipSync } from 'node:zlib';

// Attachments for the banned-attachment tests, built at run time from real tools (7-Zip, tar) or by hand where no
// free tool writes the format (RAR).

// The smallest file file(1) calls "PE32 executable (GUI) Intel 80386, for MS Windows": amavis's type `exe-ms`.
export function peExecutable(): Buffer {
  const b = Buffer.alloc(512);
  b.write('MZ', 0, 'latin1');
  b.writeUInt16LE(0x90, 0x02);
  b.writeUInt16LE(3, 0x04);
  b.writeUInt16LE(4, 0x08);
  b.writeUInt16LE(0xffff, 0x0c);
  b.writeUInt16LE(0xb8, 0x10);
  b.writeUInt16LE(0x40, 0x18);
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(0x14c, 0x84); // i386
  b.writeUInt16LE(1, 0x86); // one section
  b.writeUInt16LE(0xe0, 0x94); // optional header size
  b.writeUInt16LE(0x0102, 0x96); // executable, 32-bit
  b.writeUInt16LE(0x10b, 0x98); // PE32
  b.writeUInt16LE(2, 0x98 + 68); // GUI subsystem
  return b;
}

export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

type Members = Record<string, Buffer>;

// Runs `build(dir)` in a scratch directory holding `members`, returns the file it names.
function inScratch(members: Members, build: (dir: string) => string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'mta-archive-'));
  try {
    for (const [name, data] of Object.entries(members)) writeFileSync(join(dir, name), data);
    return readFileSync(build(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Debian's full 7-Zip: `7zz` in bookworm's 7zip package, `7z` in trixie's (which no longer has the 7zz name).
const sevenZipProgram = (): string => ['7zz', '7z'].find((p) => !spawnSync(p, ['i'], { stdio: 'ignore' }).error) ?? '7zz';

// 7-Zip: `zip` or `7z`; a password encrypts the content (zip: names stay visible), `hideNames` the 7z headers too.
export function sevenZip(type: 'zip' | '7z', members: Members, o: { password?: string; hideNames?: boolean } = {}): Buffer {
  return inScratch(members, (dir) => {
    const out = join(dir, `out.${type}`);
    const args = ['a', '-bd', '-y', `-t${type}`, out, ...Object.keys(members)];
    if (o.password) args.push(`-p${o.password}`);
    if (o.hideNames) args.push('-mhe=on');
    execFileSync(sevenZipProgram(), args, { cwd: dir, stdio: 'ignore' });
    return out;
  });
}

export const tar = (members: Members): Buffer =>
  inScratch(members, (dir) => {
    execFileSync('tar', ['-cf', 'out.tar', ...Object.keys(members)], { cwd: dir });
    return join(dir, 'out.tar');
  });

export const gzip = (data: Buffer): Buffer => gzipSync(data);

// A RAR 4 archive of stored (uncompressed) members: marker, archive header, one file header + data per member, end.
export function rar(members: Members): Buffer {
  const u16 = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff]);
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return b;
  };
  const block = (type: number, flags: number, body: Buffer) => {
    const rest = Buffer.concat([Buffer.from([type]), u16(flags), u16(7 + body.length), body]);
    return Buffer.concat([u16(crc32(rest) & 0xffff), rest]);
  };
  const parts: Buffer[] = [Buffer.from('Rar!\x1a\x07\x00', 'latin1'), block(0x73, 0, Buffer.alloc(6))];
  for (const [name, data] of Object.entries(members)) {
    const n = Buffer.from(name);
    // packed and unpacked size, host OS Unix, CRC, DOS time, version 2.0, method "store", name length, mode
    const head = Buffer.concat([u32(data.length), u32(data.length), Buffer.from([3]), u32(crc32(data)), u32(0x5a210000)]);
    const body = Buffer.concat([head, Buffer.from([20, 0x30]), u16(n.length), u32(0o100644), n]);
    parts.push(block(0x74, 0x8000, body), data);
  }
  parts.push(block(0x7b, 0x4000, Buffer.alloc(0)));
  return Buffer.concat(parts);
}
