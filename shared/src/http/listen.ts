import { isIP, type Server } from 'node:net';

type SetupListenHandle = (address: string, port: number, addressType: number, backlog: number) => void;

// Server.listen() loads node's cluster module (and with it child_process and dgram) and sends even an IP literal
// through dns.lookup: ~1.5 MB resident for an idle sidecar that uses none of it. For an IP literal the listening step
// itself (setupListenHandle, kept by node as the legacy alias _listen2) binds the same socket; a host name, or a node
// without the alias, takes the documented listen(). Measured on the bundled sidecar: listen() alone adds ~1.3 MB idle
// RSS (51.6 → 53.0 MB), past its 50 MB target; listen.test.ts fails when node drops the alias.
export function listenLean(server: Server, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve(server);
    });
    const family = isIP(host);
    const setup = (server as unknown as { _listen2?: SetupListenHandle })._listen2;
    if (family && typeof setup === 'function') setup.call(server, host, port, family, 511);
    else server.listen(port, host);
  });
}
