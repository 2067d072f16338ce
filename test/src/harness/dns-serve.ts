// The test DNS server as its own process, for a network namespace (`ip netns exec NS node … dns-serve.ts 53 JSON`):
// resolvers there (postfix's dnsblog) only ask port 53. Prints "ready" once it answers.
import { startDns } from './dns.ts';

const [port, json] = process.argv.slice(2);
await startDns(JSON.parse(json ?? '{}'), Number(port ?? 53));
process.stdout.write('ready\n');
