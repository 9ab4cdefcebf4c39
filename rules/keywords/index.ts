/**
 * THE keyword list. Adding a keyword = one file in rules/keywords/ + one line here.
 */
import type { Keyword } from './keyword.js';
import { msg } from './msg.js';
import { sid } from './sid.js';
import { rev } from './rev.js';
import { gid } from './gid.js';
import { classtype } from './classtype.js';
import { priority } from './priority.js';
import { reference } from './reference.js';
import { metadata } from './metadata.js';
import { target } from './target.js';
import { content } from './content.js';
import { nocase } from './nocase.js';
import { depth } from './depth.js';
import { offset } from './offset.js';
import { distance } from './distance.js';
import { within } from './within.js';
import { startswith } from './startswith.js';
import { endswith } from './endswith.js';
import { rawbytes } from './rawbytes.js';
import { fastPattern } from './fast-pattern.js';
import { isdataat } from './isdataat.js';
import { pcre } from './pcre.js';
import { byteTest } from './byte-test.js';
import { byteJump } from './byte-jump.js';
import { byteExtract } from './byte-extract.js';
import { byteMath } from './byte-math.js';
import { dsize } from './dsize.js';
import { flags } from './flags.js';
import { ttl } from './ttl.js';
import { ipProto } from './ip-proto.js';
import { ipopts } from './ipopts.js';
import { fragbits } from './fragbits.js';
import { sameip } from './sameip.js';
import { itype } from './itype.js';
import { icode } from './icode.js';
import { icmpId } from './icmp-id.js';
import { icmpSeq } from './icmp-seq.js';
import { tcpMss } from './tcp-mss.js';
import { window } from './window.js';
import { seq } from './seq.js';
import { ack } from './ack.js';
import { streamSize } from './stream-size.js';
import { flow } from './flow.js';
import { flowbits } from './flowbits.js';
import { flowint } from './flowint.js';
import { threshold } from './threshold.js';
import { detectionFilter } from './detection-filter.js';
import { noalert } from './noalert.js';
import { tag } from './tag.js';
import { pktData } from './pkt-data.js';
import { base64Decode } from './base64-decode.js';
import { base64Data } from './base64-data.js';
import { tlsFingerprint } from './tls-fingerprint.js';
import { absent } from './absent.js';
import { APP_KEYWORDS } from './app-keywords.js';
import { prefilter } from './prefilter.js';
import { decodeEvent } from './decode-event.js';
import { ipv4Hdr, ipv6Hdr, tcpHdr, udpHdr, icmpv4Hdr, icmpv6Hdr } from './header-buffers.js';
import { icmpv6Mtu } from './icmpv6-mtu.js';
import { fileName, filename } from './file-name.js';
import { fileext } from './fileext.js';
import { domain, tld } from './domain.js';
import { xbits } from './xbits.js';
import { hostbits } from './hostbits.js';
import { filesize } from './filesize.js';
import { flowPkts, flowBytes, flowPktsToServer, flowPktsToClient, flowBytesToServer, flowBytesToClient } from './flow-pkts.js';

export const KEYWORDS: readonly Keyword[] = [
  msg, sid, rev, gid, classtype, priority, reference, metadata, target,
  content, nocase, depth, offset, distance, within, startswith, endswith, rawbytes, fastPattern,
  isdataat, pcre, byteTest, byteJump, byteExtract, byteMath,
  dsize, flags, ttl, ipProto, ipopts, fragbits, sameip, itype, icode, icmpId, icmpSeq, tcpMss,
  window, seq, ack, streamSize,
  flow, flowbits, flowint, threshold, detectionFilter, noalert, tag, pktData, base64Decode, base64Data,
  prefilter, decodeEvent, ipv4Hdr, ipv6Hdr, tcpHdr, udpHdr, icmpv4Hdr, icmpv6Hdr, icmpv6Mtu,
  flowPkts, flowBytes, flowPktsToServer, flowPktsToClient, flowBytesToServer, flowBytesToClient,
  ...APP_KEYWORDS, tlsFingerprint, absent, fileName, filename, fileext, domain, tld, xbits, hostbits, filesize,
];

export const KEYWORD_BY_NAME: ReadonlyMap<string, Keyword> = new Map(
  KEYWORDS.flatMap((k) => [[k.name, k] as const, ...(k.aliases ?? []).map((a) => [a, k] as const)]),
);

/**
 * Keywords that name an application-layer buffer or facility Fennec does not provide yet.
 * A rule using one is skipped with reason "needs app-layer" rather than "unsupported".
 */
export const APP_LAYER_KEYWORD = /^(http|dns|tls|ssl|ssh|smb|smtp|ftp|file|ja3|ja3s|ja4|krb5|snmp|sip|rfb|mqtt|dcerpc|dce|nfs|modbus|dnp3|enip|cip|ike|quic|websocket|pgsql|ldap|email|x509|urilen|bsize|base64|filename|fileext|filemagic|filestore|filemd5|filesha|filesize|app-layer|uricontent|dnp3|template|sip|rdp|bittorrent|tftp|imap|pop3|dhcp|ntp|nfs)[._-]?/;
