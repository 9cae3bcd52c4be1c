import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyAddress,
  createOutboundGuard,
  networksOfHost,
  OutboundRefused,
  parseNetwork,
  type RefusalReason,
} from './outbound.ts';

const strict = createOutboundGuard({ allowHttp: false, allowedNetworks: [] });
const development = createOutboundGuard({ allowHttp: true, allowedNetworks: [] });

async function refusal(promise: Promise<unknown>): Promise<RefusalReason | 'accepted'> {
  try {
    await promise;
    return 'accepted';
  } catch (err) {
    for (let e: unknown = err; e instanceof Error; e = e.cause)
      if (e instanceof OutboundRefused) return e.reason;
    throw err;
  }
}

describe('outbound destinations: only public unicast addresses', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['192.0.2.10', 'documentation'],
    ['198.51.100.10', 'documentation'],
    ['203.0.113.10', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['192.0.0.8', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
  ] as const)('refuses IPv4 %s (%s)', (address, reason) => {
    expect(classifyAddress(address)).toBe(reason);
  });

  it.each([
    '8.8.8.8',
    '41.82.0.1',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.255.255',
    '198.20.0.1',
    '223.255.255.255',
  ])('accepts the public IPv4 address %s', (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  });

  it.each([
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001:2::1', 'benchmarking'],
    ['2001::1', 'reserved'],
    ['2002:a00:1::1', 'reserved'],
    ['64:ff9b:1::1', 'reserved'],
    ['::127.0.0.1', 'reserved'],
    ['100::1', 'reserved'],
    ['5f00::1', 'reserved'],
    ['fec0::1', 'reserved'],
  ] as const)('refuses IPv6 %s (%s)', (address, reason) => {
    expect(classifyAddress(address)).toBe(reason);
  });

  it.each(['2a00:1450:4001:81c::200e', '2c0f:f7f0::1', '2606:4700::1111'])(
    'accepts the global unicast IPv6 address %s',
    (address) => {
      expect(classifyAddress(address)).toBeUndefined();
    },
  );

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:100.64.0.1', 'shared'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::192.168.0.1', 'private'],
  ] as const)('refuses %s, an IPv4 address in IPv6 clothing (%s)', (address, reason) => {
    expect(classifyAddress(address)).toBe(reason);
  });

  it('accepts public IPv4 addresses written as IPv4-mapped or NAT64 IPv6, and refuses what is no address', () => {
    expect(classifyAddress('::ffff:8.8.8.8')).toBeUndefined();
    expect(classifyAddress('64:ff9b::8.8.8.8')).toBeUndefined();
    expect(classifyAddress('localhost')).toBe('reserved');
  });
});

describe('outbound URL check', () => {
  it('requires https unless the policy allows http (development and test), and refuses other schemes', async () => {
    expect(await refusal(strict.check('http://8.8.8.8/hook'))).toBe('scheme');
    expect(await refusal(strict.check('https://8.8.8.8/hook'))).toBe('accepted');
    expect(await refusal(development.check('http://8.8.8.8/hook'))).toBe('accepted');
    expect(await refusal(development.check('ftp://8.8.8.8/hook'))).toBe('scheme');
    expect(await refusal(development.check('file:///etc/passwd'))).toBe('scheme');
  });

  it('refuses credentials in the URL', async () => {
    expect(await refusal(strict.check('https://bank:secret@8.8.8.8/hook'))).toBe('credentials');
    expect(await refusal(strict.check('https://bank@8.8.8.8/hook'))).toBe('credentials');
  });

  it('refuses IP literals however they are written, and host names that resolve to loopback', async () => {
    expect(await refusal(strict.check('https://127.0.0.1:5432/'))).toBe('loopback');
    expect(await refusal(strict.check('https://2130706433/'))).toBe('loopback');
    expect(await refusal(strict.check('https://0x7f.1/'))).toBe('loopback');
    expect(await refusal(strict.check('https://[::1]/'))).toBe('loopback');
    expect(await refusal(strict.check('https://[::ffff:169.254.169.254]/latest/meta-data/'))).toBe(
      'link-local',
    );
    expect(await refusal(strict.check('https://169.254.169.254/latest/meta-data/'))).toBe('link-local');
    expect(await refusal(strict.check('https://[fd00::5]/'))).toBe('unique-local');
    expect(await refusal(strict.check('https://localhost/hook'))).toBe('loopback');
    expect(await refusal(strict.check('https://nothing-here.invalid/hook'))).toBe('unresolved');
  });

  it('accepts internal networks that the policy lists, and only those', async () => {
    const guard = createOutboundGuard({
      allowHttp: true,
      allowedNetworks: ['127.0.0.1/32', '::1/128', '10.20.0.0/16'],
    });
    expect(await refusal(guard.check('http://127.0.0.1:8080/hook'))).toBe('accepted');
    expect(await refusal(guard.check('http://localhost:8080/hook'))).toBe('accepted');
    expect(await refusal(guard.check('http://[::1]:8080/hook'))).toBe('accepted');
    expect(await refusal(guard.check('http://10.20.3.4/hook'))).toBe('accepted');
    expect(await refusal(guard.check('http://127.0.0.2:8080/hook'))).toBe('loopback');
    expect(await refusal(guard.check('http://10.21.0.1/hook'))).toBe('private');
    expect(() => createOutboundGuard({ allowHttp: true, allowedNetworks: ['10.0.0.0/33'] })).toThrow();
  });

  it('opens link-local addresses (cloud metadata) only through a range inside link-local, never a broader one', async () => {
    const broad = createOutboundGuard({
      allowHttp: true,
      allowedNetworks: ['0.0.0.0/0', '::/0', '169.0.0.0/8'],
    });
    expect(await refusal(broad.check('http://10.1.2.3/'))).toBe('accepted');
    expect(await refusal(broad.check('http://[fd00::1]/'))).toBe('accepted');
    expect(await refusal(broad.check('http://169.254.169.254/latest/meta-data/'))).toBe('link-local');
    expect(await refusal(broad.check('http://[::ffff:169.254.169.254]/'))).toBe('link-local');
    expect(await refusal(broad.check('http://[fe80::1]/'))).toBe('link-local');
    const exact = createOutboundGuard({ allowHttp: true, allowedNetworks: ['169.254.0.0/16', 'fe80::/10'] });
    expect(await refusal(exact.check('http://169.254.169.254/'))).toBe('accepted');
    expect(await refusal(exact.check('http://[fe80::1]/'))).toBe('accepted');
    expect(await refusal(exact.check('http://10.1.2.3/'))).toBe('private');
    const one = createOutboundGuard({ allowHttp: true, allowedNetworks: ['169.254.10.0/24'] });
    expect(await refusal(one.check('http://169.254.10.5/'))).toBe('accepted');
    expect(await refusal(one.check('http://169.254.169.254/'))).toBe('link-local');
  });

  it('keeps a verdict for cacheMs when asked to, refusals included', async () => {
    const cached = createOutboundGuard({
      allowHttp: true,
      allowedNetworks: ['127.0.0.1/32'],
      cacheMs: 30_000,
    });
    for (let i = 0; i < 2; i++) {
      expect(await refusal(cached.check('http://127.0.0.1:8080/'))).toBe('accepted');
      expect(await refusal(cached.check('http://localhost:8080/'))).toBe('accepted');
      expect(await refusal(cached.check('http://10.0.0.5/'))).toBe('private');
      expect(await refusal(cached.check('https://bank@127.0.0.1/'))).toBe('credentials');
    }
  });

  it("gives a URL host's addresses as one-address networks, none when it does not resolve", async () => {
    expect(await networksOfHost('http://127.0.0.1:3000')).toEqual(['127.0.0.1/32']);
    expect(await networksOfHost('http://[::1]:3000/x')).toEqual(['::1/128']);
    expect(await networksOfHost('http://localhost:3000')).toContain('127.0.0.1/32');
    expect(await networksOfHost('https://nothing-here.invalid')).toEqual([]);
  });

  it('names the class of address in its message, never the address', async () => {
    const err = await strict.check('https://10.9.8.7/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutboundRefused);
    expect((err as Error).message).toBe('the host resolves to a private address (RFC 1918)');
  });

  it('parses networks as address/prefix or a lone address', () => {
    expect(parseNetwork('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 4 });
    expect(parseNetwork(' 127.0.0.1 ')).toEqual({ address: '127.0.0.1', prefix: 32, family: 4 });
    expect(parseNetwork('fd00::/8')).toEqual({ address: 'fd00::', prefix: 8, family: 6 });
    expect(parseNetwork('::1')).toEqual({ address: '::1', prefix: 128, family: 6 });
    for (const bad of ['10.0.0.0/33', '::/129', 'localhost', '10.0.0.0/8/1', '10.0.0.0/x', ''])
      expect(parseNetwork(bad)).toBeUndefined();
  });
});

describe('outbound connections resolve through the guard', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('refuses to connect to a host name that resolves to loopback, and connects when loopback is allowed', async () => {
    const refusing = new Agent({ connect: { lookup: development.lookup } });
    const allowing = new Agent({
      connect: {
        lookup: createOutboundGuard({ allowHttp: true, allowedNetworks: ['127.0.0.0/8', '::1/128'] }).lookup,
      },
    });
    try {
      expect(await refusal(request(`http://localhost:${port}/`, { dispatcher: refusing }))).toBe('loopback');
      expect(hits).toBe(0);
      const res = await request(`http://localhost:${port}/`, { dispatcher: allowing });
      expect(await res.body.text()).toBe('ok');
      expect(hits).toBe(1);
    } finally {
      await refusing.close();
      await allowing.close();
    }
  });
});
