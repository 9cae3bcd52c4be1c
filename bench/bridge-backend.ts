import { createServer } from 'node:http';

/**
 * The provider backend for the bridge benchmark, in its own process: a small JSON answer (what an
 * administration's attestation service returns) and a 1 MiB one. Prints its URL once listening.
 */
const small = Buffer.from(
  JSON.stringify({
    nin: '1000271828182',
    status: 'à jour',
    year: 2026,
    issuedBy: 'DGID',
    reference: 'AF-2026-000001',
  }),
);
const large = Buffer.alloc(1024 * 1024, 'x');
const server = createServer((req, res) => {
  const body = req.url?.startsWith('/api/large') ? large : small;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object')
    process.stdout.write(`listening http://127.0.0.1:${address.port}\n`);
});
