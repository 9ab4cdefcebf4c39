/**
 * libhtp events, settings, file names and per-direction protocols of sensor/app on the real
 * suricata-verify captures (tshark-followed streams, one chunk per packet as on the wire;
 * bodies and request lines are checked against the bytes tshark reassembled).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppLayer } from '../../sensor/app/layer.js';
import { AppProto, BUF, TO_CLIENT, TO_SERVER, latin1, type AppTx } from '../../sensor/app/types.js';
import type { HttpTx } from '../../sensor/app/http/state.js';
import { DEFAULT_HTTP_CONFIG, type HttpConfig } from '../../sensor/app/http/config.js';
import { defaultConfig, setKey } from '../../sensor/config.js';
import { publicSuffix, registrableDomain } from '../../rules/keywords/domain.js';
import { tcpStreams, tshark } from './streams.js';
import { SHARED } from '../helpers/paths.js';

const SV = SHARED + '/corpus/suricata-verify/';

interface Seen { slot: number; tx: AppTx; dir: number }

function run(pcap: string, cfg: HttpConfig = DEFAULT_HTTP_CONFIG): { layer: AppLayer; txs: HttpTx[]; seen: Seen[] } {
  const seen: Seen[] = [];
  const layer = new AppLayer(64, (slot, tx, dir) => seen.push({ slot, tx, dir }));
  layer.httpCfg = cfg;
  for (const s of tcpStreams(SV + pcap)) {
    for (const c of s.chunks) layer.data(s.index, c.toServer, c.bytes, 0, c.bytes.length, s.clientPort, s.serverPort);
    layer.close(s.index, true);
    layer.close(s.index, false);
  }
  const txs = [...new Set(seen.map((x) => x.tx))].filter((t) => t.proto === AppProto.HTTP) as HttpTx[];
  return { layer, txs, seen };
}

const s = (b: Uint8Array | null): string => (b ? latin1(b) : '');

test('http.request_auth_unrecognized: "Authorization: Turbo ..." raises it, Basic/Digest/Bearer do not', () => {
  const { txs } = run('http-auth-unrecognized/input.pcap');
  assert.equal(txs.length, 1);
  assert.equal(s(txs[0].buffer(BUF.HTTP_HEADER, 0)).includes('Authorization: Turbo customAuthDataHere'), true);
  assert.ok(txs[0].events.includes('http.request_auth_unrecognized'));
  const other = run('http-multiple-cl/input.pcap').txs;
  assert.ok(other.every((t) => !t.events.includes('http.request_auth_unrecognized')));
});

test('http.duplicate_content_length_field_in_request: first Content-Length kept (11, not 93), as libhtp', () => {
  const { txs } = run('http-multiple-cl/input.pcap');
  // tshark frames the first body by the LAST Content-Length (93) and so reads /bad.php as the
  // next request; libhtp keeps the first (11), so the next request is /evil.php, whose own
  // Content-Length 98 then swallows /bad.php as body. The header values are tshark's.
  const [uri, cls] = tshark(['-r', SV + 'http-multiple-cl/input.pcap', '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.uri', '-e', 'http.content_length_header']).split('\n')[0].split('\t');
  assert.equal(uri.split(',')[0], '/which.php');
  assert.equal(cls.split(',').slice(0, 2).join(','), '11,93');
  const first = txs[0];
  assert.equal(s(first.uriRaw), '/which.php');
  assert.ok(first.events.includes('http.duplicate_content_length_field_in_request'));
  assert.ok(first.events.includes('http.request_header_repetition'));
  assert.equal(s(first.buffer(BUF.HTTP_REQUEST_BODY, 0)), 'bar=1&foo=2');
  // The next request starts right after the 11 body bytes.
  assert.equal(s(txs[1].uriRaw), '/evil.php');
  assert.ok(!txs[1].events.includes('http.duplicate_content_length_field_in_request'));
  assert.ok(s(txs[1].buffer(BUF.HTTP_REQUEST_BODY, 0)).includes('POST /bad.php'));
  assert.equal(txs.filter((t) => t.req).length, 2);
});

test('http.request_body_unexpected: a line after a bodiless POST is its body (libhtp REQ_FINALIZE); CRLF after a C-L body is not', () => {
  const { txs, seen } = run('http-request-invalid/input.pcap');
  const bySlot = new Map<number, HttpTx>();
  // Transactions with a request (a response without one has a stand-in, inspected to server too).
  for (const x of seen) if (x.dir === TO_SERVER && (x.tx as HttpTx).req) bySlot.set(x.slot, x.tx as HttpTx);
  assert.equal(bySlot.size, 4);
  for (const [slot, t] of bySlot) {
    const ev = t.events.includes('http.request_body_unexpected');
    assert.equal(ev, slot >= 2, `stream ${slot}`);
    const body = s(t.buffer(BUF.HTTP_REQUEST_BODY, 0));
    assert.ok(body.startsWith('login=foo&password=bar'), `stream ${slot}: ${body}`);
    if (slot >= 2) assert.equal(body, `login=foo&password=bar${slot + 1}\r\n`);
  }
  // The request side completed once per stream (no phantom request from the body line).
  assert.equal(txs.filter((t) => t.req).length, 4);
});

test('http.too_many_encoding_layers: 6 Content-Encoding codings over the default limit 2; limit 0 = none', () => {
  const dflt = run('bug-2511/response_identity_identity_gzip_identity_gzip_gzip.pcap').txs;
  assert.equal(dflt.length, 1);
  assert.equal(s(dflt[0].resp ? dflt[0].buffer(BUF.HTTP_RESPONSE_LINE, 0) : null), 'HTTP/1.1 200 OK');
  assert.ok(dflt[0].events.includes('http.too_many_encoding_layers'));
  for (const limit of [0, 6]) {
    const t = run('bug-2511/response_identity_identity_gzip_identity_gzip_gzip.pcap', { ...DEFAULT_HTTP_CONFIG, decompressLayerLimit: limit }).txs[0];
    assert.ok(!t.events.includes('http.too_many_encoding_layers'), `limit ${limit}`);
  }
});

test('double-decode-path: /evil%2527sqli → http.uri /evil\'sqli + http.double_encoded_uri; off by default', () => {
  const off = run('http-double-encoded-uri/input.pcap').txs[0];
  assert.equal(s(off.uriRaw), tshark(['-r', SV + 'http-double-encoded-uri/input.pcap', '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.uri']).trim());
  assert.equal(s(off.buffer(BUF.HTTP_URI, 0)), '/evil%27sqli');
  assert.ok(!off.events.includes('http.double_encoded_uri'));
  const on = run('http-double-encoded-uri/input.pcap', { ...DEFAULT_HTTP_CONFIG, doubleDecodePath: true, doubleDecodeQuery: true }).txs[0];
  assert.equal(s(on.buffer(BUF.HTTP_URI, 0)), "/evil'sqli");
  assert.ok(on.events.includes('http.double_encoded_uri'));
});

test('libhtp settings: suricata.yaml keys with Suricata defaults; unknown libhtp keys are still errors', () => {
  const c = defaultConfig();
  assert.deepEqual(c.app.http, DEFAULT_HTTP_CONFIG);
  const p = 'app-layer.protocols.http.libhtp.default-config.';
  setKey(c, p + 'double-decode-path', 'yes');
  setKey(c, p + 'response-body-limit', '1mb');
  setKey(c, p + 'response-body-decompress-layer-limit', '0');
  assert.equal(c.app.http.doubleDecodePath, true);
  assert.equal(c.app.http.responseBodyLimit, 1 << 20);
  assert.equal(c.app.http.decompressLayerLimit, 0);
  assert.throws(() => setKey(c, p + 'no-such-setting', 'yes'), /unknown setting/);
  assert.throws(() => setKey(c, p + 'double-decode-query', 'maybe'), /yes\/no/);
});

test('file.name: the response body of GET /~regit/r.pdf is named by the URI path (no Content-Disposition)', () => {
  const { txs } = run('filename-01/pdf-dl.pcap');
  assert.equal(txs.length, 1);
  const uri = tshark(['-r', SV + 'filename-01/pdf-dl.pcap', '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.uri']).trim();
  assert.equal(s(txs[0].buffer(BUF.FILE_NAME, 0, TO_CLIENT)), uri);
  assert.equal(txs[0].buffer(BUF.FILE_NAME, 0, TO_SERVER), null);
});

test('app-layer-protocol per direction: HTTP client to an SSH server is http to_server, ssh to_client', () => {
  const { layer } = run('detect-app-layer-protocol-05/input.pcap');
  assert.equal(layer.proto[0], AppProto.HTTP);
  assert.equal(layer.protoDir[0], AppProto.HTTP);
  assert.equal(layer.protoDir[1], AppProto.SSH);
  const h = run('http-auth-unrecognized/input.pcap').layer;
  assert.equal(h.protoDir[0], AppProto.HTTP);
  assert.equal(h.protoDir[1], AppProto.HTTP);
});

test('domain / tld transforms: the DNS names of domain-keyword by the Public Suffix List', () => {
  const names = [...new Set(tshark(['-r', SV + 'domain-keyword/input.pcap', '-T', 'fields', '-e', 'dns.qry.name']).split('\n').filter(Boolean))].sort();
  assert.deepEqual(names, ['www.bbc.co.uk', 'www.suricata.io']);
  const d = (n: string): string => s(registrableDomain(Buffer.from(n)));
  const t = (n: string): string => s(publicSuffix(Buffer.from(n)));
  assert.deepEqual(names.map(d), ['bbc.co.uk', 'suricata.io']);
  assert.deepEqual(names.map(t), ['co.uk', 'io']);
  // Wildcard and exception rules (*.kawasaki.jp, !city.kawasaki.jp), a bare suffix, case and root dot.
  assert.equal(d('a.b.kawasaki.jp'), 'a.b.kawasaki.jp');
  assert.equal(d('www.city.kawasaki.jp'), 'city.kawasaki.jp');
  assert.equal(d('co.uk'), '');
  assert.equal(d('WWW.Example.COM.'), 'example.com');
});
