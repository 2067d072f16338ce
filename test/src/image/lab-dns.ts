// The lab's DNS server, run inside the lab's gateway namespace: like docker's embedded DNS, it answers the peers'
// names (short and under example.com) and NXDOMAIN for everything else, at once (no lookup ever leaves the lab).
//   node --import tsx lab-dns.ts <address> '{"test-srv":"10.89.0.10",…}'
import { createSocket } from 'node:dgram';
import { answer } from '../harness/dns.ts';

const [address, json] = process.argv.slice(2);
if (!address || !json) {
  console.error('usage: lab-dns.ts <address> <hosts json>');
  process.exit(2);
}
const a: Record<string, string[]> = {};
for (const [name, ip] of Object.entries(JSON.parse(json) as Record<string, string>)) {
  a[name.toLowerCase()] = [ip];
  a[`${name.toLowerCase()}.example.com`] = [ip];
}
const records = { a, txt: {}, mx: {}, tlsa: {}, ad: [], ttl: 60 };
const sock = createSocket('udp4');
sock.on('message', (msg, rinfo) => {
  try {
    sock.send(answer(msg, records), rinfo.port, rinfo.address);
  } catch {
    // a malformed query gets no answer
  }
});
sock.bind(53, address);
process.on('SIGTERM', () => sock.close(() => process.exit(0)));
