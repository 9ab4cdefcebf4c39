/**
 * HTTP/2 (sensor/app/http2) on real bytes: HPACK against the RFC 7541 Appendix C vectors;
 * decoded headers of every stream against tshark's http2.header.name/value on the
 * suricata-verify HTTP/2 capture and on a loopback nghttp2 capture (test/fixtures/http2,
 * Huffman, a 4 KiB dynamic table that overflows → evictions, RST_STREAM, PING, gzip
 * DATA); protocol detection; http.* sticky buffers and EVE through the real CLI.
 */
import { runEve } from '../rules/eve-run.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppLayer } from '../../sensor/app/layer.js';
import { AppProto, BUF, TO_CLIENT, TO_SERVER, latin1, type AppTx } from '../../sensor/app/types.js';
import { HpackDecoder, huffmanDecode, type HeaderList } from '../../sensor/app/http2/hpack.js';
import type { Http2Tx } from '../../sensor/app/http2/tx.js';
import { tcpStreams, tshark } from './streams.js';
import { SHARED, ROOT } from '../helpers/paths.js';

const SV_PCAP = SHARED + '/corpus/suricata-verify/bug-5929-02/http2_multiple_headers.pcap';
const LOOP_PCAP = ROOT + '/test/fixtures/http2/h2-loopback.pcap';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const list = (): HeaderList => ({ names: [], values: [], sizeUpdates: [] });
const pairs = (l: HeaderList): string[] => l.names.map((n, i) => `${latin1(n)}: ${latin1(l.values[i])}`);

test('hpack: RFC 7541 C.4 requests with Huffman and the dynamic table (sizes 57, 110, 164)', () => {
  const d = new HpackDecoder();
  const steps: Array<[string, string[], number]> = [
    ['8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', [':method: GET', ':scheme: http', ':path: /', ':authority: www.example.com'], 57],
    ['8286 84be 5886 a8eb 1064 9cbf', [':method: GET', ':scheme: http', ':path: /', ':authority: www.example.com', 'cache-control: no-cache'], 110],
    ['8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf', [':method: GET', ':scheme: https', ':path: /index.html', ':authority: www.example.com', 'custom-key: custom-value'], 164],
  ];
  for (const [h, want, size] of steps) {
    const b = hex(h), l = list();
    assert.equal(d.decode(b, 0, b.length, l), 0);
    assert.deepEqual(pairs(l), want);
    assert.equal(d.size, size);
  }
});

test('hpack: RFC 7541 C.6 responses with a 256-byte table: evictions and Huffman values', () => {
  const d = new HpackDecoder();
  d.maxSize = 256;
  const steps: Array<[string, string[], number]> = [
    ['4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
      [':status: 302', 'cache-control: private', 'date: Mon, 21 Oct 2013 20:13:21 GMT', 'location: https://www.example.com'], 222],
    ['4883 640e ffc1 c0bf', [':status: 307', 'cache-control: private', 'date: Mon, 21 Oct 2013 20:13:21 GMT', 'location: https://www.example.com'], 222],
  ];
  for (const [h, want, size] of steps) {
    const b = hex(h), l = list();
    assert.equal(d.decode(b, 0, b.length, l), 0);
    assert.deepEqual(pairs(l), want);
    assert.equal(d.size, size);
  }
});

test('hpack: Huffman rejects EOS and non-ones padding; integer overflow is reported', () => {
  const out = new Uint8Array(64);
  assert.equal(huffmanDecode(hex('f1e3c2e5f23a6ba0ab90f4ff'), 0, 12, out), 15);
  assert.equal(latin1(out.subarray(0, 15)), 'www.example.com');
  assert.equal(huffmanDecode(hex('ffffffff'), 0, 4, out), -1); // EOS (30 ones) inside the string
  assert.equal(huffmanDecode(hex('f1e3c2e5f23a6ba0ab90f4fe'), 0, 12, out), -1); // padding with a zero bit
  const d = new HpackDecoder(), l = list();
  const b = hex('ff ff ff ff ff ff 01');
  assert.notEqual(d.decode(b, 0, b.length, l) & 1, 0);
});

interface Seen { slot: number; tx: AppTx; dir: number }

function runTcp(pcap: string): { layer: AppLayer; seen: Seen[] } {
  const seen: Seen[] = [];
  const layer = new AppLayer(64, (slot, tx, dir) => seen.push({ slot, tx, dir }));
  for (const s of tcpStreams(pcap)) {
    for (const c of s.chunks) layer.data(s.index, c.toServer, c.bytes, 0, c.bytes.length, s.clientPort, s.serverPort);
    layer.finish(s.index);
  }
  return { layer, seen };
}

/** tshark's decoded headers as "name: value" counts per direction (to server = from the client port). */
function tsharkHeaders(pcap: string, extra: string[], clientPort: number): Map<string, number>[] {
  const SEP = '\x1f';
  const out = tshark(['-r', pcap, ...extra, '-Y', 'http2.header', '-T', 'fields', '-E', `aggregator=${SEP}`, '-e', 'tcp.srcport', '-e', 'http2.header.name', '-e', 'http2.header.value']);
  const m = [new Map<string, number>(), new Map<string, number>()];
  for (const line of out.split('\n').filter(Boolean)) {
    const [sp, ns, vs] = line.split('\t');
    const names = ns.split(SEP), values = vs.split(SEP);
    const side = m[Number(sp) === clientPort ? 0 : 1];
    names.forEach((n, i) => { const k = `${n}: ${values[i]}`; side.set(k, (side.get(k) ?? 0) + 1); });
  }
  return m;
}

function ourHeaders(seen: Seen[]): Map<string, number>[] {
  const m = [new Map<string, number>(), new Map<string, number>()];
  const txs = new Set<Http2Tx>();
  for (const s of seen) if (s.tx.proto === AppProto.HTTP2) txs.add(s.tx as Http2Tx);
  for (const t of txs) {
    for (const [dir, side] of [[TO_SERVER, m[0]], [TO_CLIENT, m[1]]] as const) {
      for (const [n, v] of t.headers(dir)) { const k = `${n}: ${v}`; side.set(k, (side.get(k) ?? 0) + 1); }
    }
  }
  return m;
}

test('http2: bug-5929-02 capture (server SETTINGS first): headers equal tshark, http.* buffers from pseudo-headers', () => {
  const { layer, seen } = runTcp(SV_PCAP);
  assert.equal(layer.name(0), 'http2');
  const want = tsharkHeaders(SV_PCAP, [], 50078);
  assert.deepEqual(ourHeaders(seen), want);
  const tx = seen.find((s) => (s.tx as Http2Tx).stream === 1)!.tx as Http2Tx;
  const b = (id: number, dir = TO_SERVER): string | null => { const x = tx.buffer(id, 0, dir); return x ? latin1(x) : null; };
  assert.equal(b(BUF.HTTP_URI), '/watchdog/watchdog.exe');
  assert.equal(b(BUF.HTTP_METHOD), 'GET');
  assert.equal(b(BUF.HTTP_HOST), 'bugertor.com');
  assert.equal(b(BUF.HTTP_USER_AGENT), 'Go-http-client/2.0');
  assert.equal(b(BUF.HTTP_STAT_CODE, TO_CLIENT), '404');
  assert.equal(tx.num('urilen', 0), '/watchdog/watchdog.exe'.length);
  assert.equal(tx.progress, TO_SERVER | TO_CLIENT);
  assert.deepEqual(tx.events, []);
  // DATA frames of the response (tshark's reassembled body, content-encoding gzip decoded).
  const body = tx.buffer(BUF.FILE_DATA, 0, TO_CLIENT)!;
  assert.match(latin1(body), /404 Not Found/);
});

test('http2: loopback nghttp2 capture: every header equals tshark (Huffman, dynamic table evictions), streams, RST_STREAM, gzip body', () => {
  const { layer, seen } = runTcp(LOOP_PCAP);
  assert.equal(layer.name(0), 'http2');
  const client = tcpStreams(LOOP_PCAP)[0].clientPort;
  const want = tsharkHeaders(LOOP_PCAP, ['-d', 'tcp.port==38080,http2'], client);
  assert.deepEqual(ourHeaders(seen), want);
  const streams = new Map<number, Http2Tx>();
  for (const s of seen) { const t = s.tx as Http2Tx; if (!t.global) streams.set(t.stream, t); }
  const wantStreams = new Set(tshark(['-r', LOOP_PCAP, '-d', 'tcp.port==38080,http2', '-Y', 'http2.type == 1', '-T', 'fields', '-e', 'http2.streamid'])
    .split(/[\n,]/).filter(Boolean).map(Number).filter((n) => n > 0));
  assert.deepEqual([...streams.keys()].sort((a, b) => a - b), [...wantStreams].sort((a, b) => a - b));
  for (const t of streams.values()) { assert.equal(t.progress, TO_SERVER | TO_CLIENT, `stream ${t.stream}`); assert.deepEqual(t.events, []); }
  const post = [...streams.values()].find((t) => latin1(t.buffer(BUF.HTTP_METHOD, 0, TO_SERVER)!) === 'POST')!;
  assert.equal(latin1(post.buffer(BUF.HTTP_REQUEST_BODY, 0, TO_SERVER)!), 'POSTBODY'.repeat(64));
  assert.equal(latin1(post.buffer(BUF.HTTP_STAT_CODE, 0, TO_CLIENT)!), '201');
  const gz = [...streams.values()].find((t) => latin1(t.buffer(BUF.HTTP_URI, 0, TO_SERVER)!) === '/gz/data')!;
  assert.equal(latin1(gz.buffer(BUF.FILE_DATA, 0, TO_CLIENT)!), 'hello compressed world '.repeat(50));
  assert.equal(latin1(gz.buffer(BUF.HTTP_HOST, 0, TO_SERVER)!), 'example.com');
  assert.equal(latin1(gz.buffer(BUF.HTTP_HOST_RAW, 0, TO_SERVER)!), 'Example.COM:38080');
  assert.equal(latin1(gz.buffer(BUF.HTTP_COOKIE, 0, TO_CLIENT)!), 'a=1, b=2');
  // http.request_header: one escaped instance per header (':' doubled, Suricata http2_escape_header).
  assert.equal(latin1(gz.buffer(BUF.HTTP_REQUEST_HEADER, 0, TO_SERVER)!), '::path: /gz/data');
  // The cancelled stream: RST_STREAM completes both sides and records CANCEL (8).
  const slow = [...streams.values()].find((t) => latin1(t.buffer(BUF.HTTP_URI, 0, TO_SERVER)!) === '/slow')!;
  assert.equal(slow.num('http2.errorcode', 0, TO_SERVER), 8);
  // Repeated request header joined by ", " as Suricata's http2_frames_get_header_value.
  const first = streams.get(1)!;
  assert.match(latin1(first.buffer(BUF.HTTP_HEADER, 0, TO_SERVER)!), /x-rep: one\r\nx-rep: two\r\n/);
  assert.doesNotMatch(latin1(first.buffer(BUF.HTTP_HEADER, 0, TO_SERVER)!), /cookie/);
  // Global transactions: SETTINGS_MAX_CONCURRENT_STREAMS 77 from the client, PING.
  const g = seen.filter((s) => (s.tx as Http2Tx).global).map((s) => s.tx as Http2Tx);
  assert.ok(g.some((t) => t.num('http2.settings.3', 0, TO_SERVER) === 77));
  assert.ok(g.some((t) => t.num('http2.frametype', 0, TO_SERVER) === 6));
});

test('http2: byte-at-a-time delivery decodes the same transactions as whole chunks', () => {
  const whole = ourHeaders(runTcp(LOOP_PCAP).seen);
  const seen: Seen[] = [];
  const layer = new AppLayer(4, (slot, tx, dir) => seen.push({ slot, tx, dir }));
  const s = tcpStreams(LOOP_PCAP)[0];
  for (const c of s.chunks) for (let i = 0; i < c.bytes.length; i++) layer.data(0, c.toServer, c.bytes, i, 1, s.clientPort, s.serverPort);
  layer.finish(0);
  assert.deepEqual(ourHeaders(seen), whole);
});

test('http2: malformed frames are events, never exceptions (truncated/mutated real bytes)', () => {
  const s = tcpStreams(LOOP_PCAP)[0];
  let seed = 7;
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
  for (let round = 0; round < 200; round++) {
    const layer = new AppLayer(2, () => {});
    for (const c of s.chunks) {
      const b = c.bytes.slice();
      for (let k = 0; k < 3; k++) b[rnd() % b.length] = rnd() & 0xff;
      layer.data(0, c.toServer, b, 0, b.length, s.clientPort, s.serverPort);
    }
    layer.finish(0);
  }
});

interface Ev { event_type: string; app_proto?: string; alert?: { signature_id: number }; http?: Record<string, unknown> }

function run(pcap: string, rules: string): Ev[] {
  return runEve<Ev>(pcap, rules, ['--set', 'checksum-validation=no']);
}

test('http2 via the CLI: http.* rules and alert http2 match HTTP/2 transactions; alert http1 does not; http2.* keywords; EVE http{} with http2', () => {
  const evs = run(LOOP_PCAP, [
    'alert http any any -> any any (flow:to_server; http.uri; content:"/watchdog/"; startswith; sid:1;)',
    'alert http2 any any -> any any (http.stat_code; content:"201"; sid:2;)',
    'alert http any any -> any any (file_data; content:"hello compressed world"; sid:3;)',
    'alert http any any -> any any (http.cookie; content:"theme=dark"; sid:4;)',
    'alert http1 any any -> any any (http.uri; content:"/"; sid:5;)',
    'alert http any any -> any any (http.user_agent; content:"Fennec-H2-Test"; sid:6;)',
    'alert http any any -> any any (http.header_names; content:"|0d 0a|x-long|0d 0a|"; sid:7;)',
    'alert http2 any any -> any any (http2.frametype:PING; sid:10;)',
    'alert http2 any any -> any any (http2.settings:SETTINGS_MAX_CONCURRENT_STREAMS=77; sid:11;)',
    'alert http2 any any -> any any (http2.header_name; content:"x-long"; sid:12;)',
    'alert http2 any any -> any any (http2.header; content:"::status: 201"; sid:15;)',
    'alert http2 any any -> any any (http2.frametype:GOAWAY; sid:16;)',
    'alert http2 any any -> any any (http2.frametype:WINDOW_UPDATE; sid:17;)',
  ].join('\n'));
  // Stream-0 frames are one transaction each (Suricata's global tx): alerts = tshark's frame count.
  const types = tshark(['-r', LOOP_PCAP, '-d', 'tcp.port==38080,http2', '-T', 'fields', '-e', 'http2.type']).split(/[\n,]/).filter(Boolean).map(Number);
  const frames = (t: number): number => types.filter((x) => x === t).length;
  const count = (sid: number): number => evs.filter((e) => e.event_type === 'alert' && e.alert!.signature_id === sid).length;
  assert.equal(count(1), 12);
  assert.equal(count(2), 1);
  assert.equal(count(3), 1);
  assert.equal(count(4), 12);
  assert.equal(count(5), 0);
  assert.equal(count(6), 12);
  assert.equal(count(7), 12);
  assert.equal(count(10), frames(6));
  assert.equal(count(11), 1);
  assert.equal(count(12), 12);
  assert.equal(count(15), 1);
  assert.equal(count(16), frames(7));
  assert.equal(count(17), frames(8));
  const a = evs.find((e) => e.event_type === 'alert' && e.alert!.signature_id === 2)!;
  assert.equal(a.app_proto, 'http2');
  assert.equal(a.http!.url, '/upload');
  assert.equal(a.http!.http_method, 'POST');
  assert.equal(a.http!.status, 201);
  assert.ok(a.http!.http2);
});
