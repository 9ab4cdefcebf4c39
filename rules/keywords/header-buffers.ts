import { docUrl, type Keyword } from './keyword.js';
import { HdrBuf } from '../types.js';
import type { RuleBuilder } from '../builder.js';

/**
 * The packet-header sticky buffers: ipv4.hdr, ipv6.hdr (with extension headers), tcp.hdr
 * (with options), udp.hdr, icmpv4.hdr, icmpv6.hdr. content/pcre/byte_* after one of them
 * inspect the raw header bytes of the packet (Suricata detect-ipv4hdr.c ... semantics: the
 * buffer is absent — the rule does not match — when the packet has no such header).
 * Six keywords of one shape share this file.
 */
function hdrKeyword(name: string, buf: HdrBuf, anchor: string): Keyword {
  return {
    name, value: 'none',
    description: `inspect the raw ${name.replace('.hdr', '')} header`,
    url: docUrl('header-keywords', anchor),
    parse(_v, b: RuleBuilder) {
      let h = b.rule.hdrBufs.find((x) => x.buf === buf);
      if (!h) { h = { buf, name, matches: [] }; b.rule.hdrBufs.push(h); }
      b.hdr = h;
      b.buffer = name;
      b.lastContent = null;
      b.lastPayload = null;
      return null;
    },
  };
}

export const ipv4Hdr = hdrKeyword('ipv4.hdr', HdrBuf.IPV4, 'ipv4-hdr');
export const ipv6Hdr = hdrKeyword('ipv6.hdr', HdrBuf.IPV6, 'ipv6-hdr');
export const tcpHdr = hdrKeyword('tcp.hdr', HdrBuf.TCP, 'tcp-hdr');
export const udpHdr = hdrKeyword('udp.hdr', HdrBuf.UDP, 'udp-hdr');
export const icmpv4Hdr = hdrKeyword('icmpv4.hdr', HdrBuf.ICMPV4, 'icmpv4-hdr');
export const icmpv6Hdr = hdrKeyword('icmpv6.hdr', HdrBuf.ICMPV6, 'icmpv6-hdr');
