import type { LookupAddress } from 'node:dns';
import { lookup as lookupHost } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Outbound requests to URLs that someone outside the platform chose (a subscriber's webhook, a
 * provider's backend): https only (http in development and test), no credentials in the URL, and
 * every address the host resolves to must be public unicast, unless an operator listed its
 * network. The check runs at registration and again at each connection (`lookup`), so a DNS answer
 * that changes in between (DNS rebinding) reaches nothing internal: the socket connects to the
 * addresses just checked. Decision 0020.
 */

export interface OutboundPolicy {
  /** Accept http: URLs (development and test); https only otherwise. */
  allowHttp: boolean;
  /**
   * Networks reachable although not public: `10.20.0.0/16`, `127.0.0.1/32`, `fd00::/8`. A link-local
   * address (cloud metadata) is reachable only through a range inside link-local, never through a
   * broader one such as `0.0.0.0/0`.
   */
  allowedNetworks: readonly string[];
  /**
   * How long `check` remembers a host's verdict, in ms (default 0: resolved at every check). The
   * connect-time `lookup` resolves and checks afresh whatever this says.
   */
  cacheMs?: number;
}

export type RefusalReason =
  | 'scheme'
  | 'credentials'
  | 'unresolved'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'documentation'
  | 'benchmarking'
  | 'reserved';

const described: Record<RefusalReason, string> = {
  scheme: 'the URL must be https',
  credentials: 'the URL must not carry a user name or password',
  unresolved: 'the host does not resolve',
  unspecified: 'the host resolves to an unspecified address',
  loopback: 'the host resolves to a loopback address',
  private: 'the host resolves to a private address (RFC 1918)',
  shared: 'the host resolves to a carrier-grade NAT address (100.64.0.0/10)',
  'link-local': 'the host resolves to a link-local address (cloud metadata among them)',
  'unique-local': 'the host resolves to a unique-local IPv6 address (fc00::/7)',
  multicast: 'the host resolves to a multicast address',
  documentation: 'the host resolves to a documentation address',
  benchmarking: 'the host resolves to a benchmarking address',
  reserved: 'the host resolves to a reserved address',
};

/** A refused destination. The message names the class of address, never the address itself. */
export class OutboundRefused extends Error {
  readonly code = 'ERR_OUTBOUND_REFUSED';
  readonly reason: RefusalReason;
  constructor(reason: RefusalReason) {
    super(described[reason]);
    this.name = 'OutboundRefused';
    this.reason = reason;
  }
}

/** The special-purpose ranges (IANA registries), most specific class first where they nest. */
const ipv4Ranges: ReadonlyArray<[RefusalReason, string, number]> = [
  ['unspecified', '0.0.0.0', 8],
  ['loopback', '127.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  ['private', '172.16.0.0', 12],
  ['private', '192.168.0.0', 16],
  ['shared', '100.64.0.0', 10],
  ['link-local', '169.254.0.0', 16],
  ['multicast', '224.0.0.0', 4],
  ['documentation', '192.0.2.0', 24],
  ['documentation', '198.51.100.0', 24],
  ['documentation', '203.0.113.0', 24],
  ['benchmarking', '198.18.0.0', 15],
  ['reserved', '192.0.0.0', 24],
  ['reserved', '192.88.99.0', 24],
  ['reserved', '240.0.0.0', 4],
];
const ipv6Ranges: ReadonlyArray<[RefusalReason, string, number]> = [
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['link-local', 'fe80::', 10],
  ['unique-local', 'fc00::', 7],
  ['multicast', 'ff00::', 8],
  ['documentation', '2001:db8::', 32],
  ['documentation', '3fff::', 20],
  ['benchmarking', '2001:2::', 48],
  ['reserved', '2001::', 23],
  ['reserved', '2002::', 16],
  ['reserved', '64:ff9b:1::', 48],
];

// A BlockList matches an IPv4 rule against its IPv4-mapped IPv6 form (::ffff:a.b.c.d) by itself;
// the NAT64 well-known prefix (64:ff9b::/96) embeds IPv4 too, so each IPv4 range is added there.
const classes = new Map<RefusalReason, BlockList>();
for (const [reason, address, prefix] of ipv4Ranges) {
  const list = classes.get(reason) ?? new BlockList();
  list.addSubnet(address, prefix, 'ipv4');
  list.addSubnet(`64:ff9b::${address}`, 96 + prefix, 'ipv6');
  classes.set(reason, list);
}
for (const [reason, address, prefix] of ipv6Ranges) {
  const list = classes.get(reason) ?? new BlockList();
  list.addSubnet(address, prefix, 'ipv6');
  classes.set(reason, list);
}
// Beyond the ranges above, an IPv6 address is public only in global unicast (2000::/3), or as an
// IPv4-mapped or NAT64 form of a public IPv4 address.
const publicIpv6 = new BlockList();
publicIpv6.addSubnet('2000::', 3, 'ipv6');
publicIpv6.addSubnet('::ffff:0:0', 96, 'ipv6');
publicIpv6.addSubnet('64:ff9b::', 96, 'ipv6');

const ipv6LinkLocal = new BlockList();
ipv6LinkLocal.addSubnet('fe80::', 10, 'ipv6');

/** Whether a whole network lies inside a link-local range (169.254.0.0/16, fe80::/10, or a mapped form). */
function insideLinkLocal(network: { address: string; prefix: number; family: 4 | 6 }): boolean {
  const widest = network.family === 4 ? 16 : ipv6LinkLocal.check(network.address, 'ipv6') ? 10 : 96 + 16;
  return network.prefix >= widest && classifyAddress(network.address) === 'link-local';
}

/** Why an address is not public unicast, or undefined when it is. */
export function classifyAddress(address: string): RefusalReason | undefined {
  const family = isIP(address);
  if (family === 0) return 'reserved';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [reason, list] of classes) if (list.check(address, type)) return reason;
  if (family === 6 && !publicIpv6.check(address, 'ipv6')) return 'reserved';
  return undefined;
}

/** Parses `address/prefix` or a lone address (a /32 or /128); undefined when it is neither. */
export function parseNetwork(text: string): { address: string; prefix: number; family: 4 | 6 } | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/');
  const family = isIP(address) === 4 ? 4 : isIP(address) === 6 ? 6 : undefined;
  if (!family || extra !== undefined) return undefined;
  const max = family === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { address, prefix: Number(prefixText), family };
}

export interface OutboundGuard {
  /**
   * Checks the URL and resolves its host (or takes the host's verdict from the last `cacheMs`);
   * throws `OutboundRefused` with the reason. An IP literal is never looked up again when
   * connecting, so this is also the check of record for those.
   */
  check(url: string | URL): Promise<URL>;
  /** For `net.connect` / undici's `connect` option: resolves, refuses, hands over only checked addresses. */
  lookup: LookupFunction;
}

/** The cause chain's refusal, if a refused destination is why `err` happened (undici may wrap it). */
export function outboundRefusal(err: unknown): OutboundRefused | undefined {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof OutboundRefused) return e;
  return undefined;
}

/** A URL's host as the resolver takes it: an IPv6 literal without its brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * The addresses a URL's host resolves to now, as one-address networks for `allowedNetworks`; none
 * when it does not resolve. For the platform's own public URL, reachable whatever its addresses.
 */
export async function networksOfHost(url: string): Promise<string[]> {
  const host = hostOf(new URL(url));
  let found: LookupAddress[];
  try {
    found = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookupHost(host, { all: true });
  } catch {
    return [];
  }
  return found.map(({ address, family }) => `${address}/${family === 4 ? 32 : 128}`);
}

export function createOutboundGuard(policy: OutboundPolicy): OutboundGuard {
  const allowed = new BlockList();
  const allowedLinkLocal = new BlockList();
  for (const text of policy.allowedNetworks) {
    const network = parseNetwork(text);
    if (!network) throw new Error(`Not a network: ${text}`);
    (insideLinkLocal(network) ? allowedLinkLocal : allowed).addSubnet(
      network.address,
      network.prefix,
      network.family === 4 ? 'ipv4' : 'ipv6',
    );
  }

  const refusal = (address: string): RefusalReason | undefined => {
    const reason = classifyAddress(address);
    if (!reason) return undefined;
    const list = reason === 'link-local' ? allowedLinkLocal : allowed;
    return list.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6') ? undefined : reason;
  };

  async function resolve(host: string): Promise<LookupAddress[]> {
    const family = isIP(host);
    let addresses: LookupAddress[];
    if (family !== 0) addresses = [{ address: host, family }];
    else {
      try {
        addresses = await lookupHost(host, { all: true, order: 'verbatim' });
      } catch {
        throw new OutboundRefused('unresolved');
      }
    }
    if (!addresses.length) throw new OutboundRefused('unresolved');
    // One refused address refuses the host: the connection may pick any of them.
    for (const { address } of addresses) {
      const reason = refusal(address);
      if (reason) throw new OutboundRefused(reason);
    }
    return addresses;
  }

  // Verdicts by host; a host that does not resolve is asked again next time (it may be transient).
  const cacheMs = policy.cacheMs ?? 0;
  const verdicts = new Map<string, { until: number; reason: RefusalReason | undefined }>();
  async function checkHost(host: string): Promise<void> {
    if (cacheMs <= 0) {
      await resolve(host);
      return;
    }
    const now = Date.now();
    const known = verdicts.get(host);
    if (known && known.until > now) {
      if (known.reason) throw new OutboundRefused(known.reason);
      return;
    }
    let reason: RefusalReason | undefined;
    try {
      await resolve(host);
    } catch (err) {
      if (!(err instanceof OutboundRefused) || err.reason === 'unresolved') throw err;
      reason = err.reason;
    }
    if (verdicts.size >= 1000) verdicts.clear();
    verdicts.set(host, { until: now + cacheMs, reason });
    if (reason) throw new OutboundRefused(reason);
  }

  return {
    async check(input) {
      const url = typeof input === 'string' ? new URL(input) : input;
      if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:'))
        throw new OutboundRefused('scheme');
      if (url.username || url.password) throw new OutboundRefused('credentials');
      await checkHost(hostOf(url));
      return url;
    },
    lookup(hostname, options, callback) {
      const wanted =
        options.family === 4 || options.family === 'IPv4'
          ? 4
          : options.family === 6 || options.family === 'IPv6'
            ? 6
            : 0;
      resolve(hostname).then(
        (addresses) => {
          const usable = wanted ? addresses.filter((a) => a.family === wanted) : addresses;
          const [first] = usable;
          if (!first) callback(new OutboundRefused('unresolved'), '', 0);
          else if (options.all) callback(null, usable);
          else callback(null, first.address, first.family);
        },
        (err: NodeJS.ErrnoException) => callback(err, '', 0),
      );
    },
  };
}
