/**
 * The suricata-verify corpus end to end: every case under /work/shared/corpus/suricata-verify
 * (case.json found recursively; format in the corpus README) runs through the real CLI —
 * `fennec run --pcap ... --rules ... --eve ... --data-dir TMP --set ...` — and the EVE alert
 * events per sid must equal the expected counts (and expect_total_alerts, and expect_flows =
 * number of flow events, when set).
 *
 * Cases that cannot pass yet are listed in EXPECTED_FAIL with the precise missing feature.
 * They run anyway and are asserted to still differ, so a fix is noticed (then remove the
 * entry); nothing is skipped silently. Each CLI run starts embedded ClickHouse (~1.3 s), the
 * corpus takes ~2 min with 2 runs in parallel.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { runSvCase } from './sv-case.js';
import { SV } from './fixtures.js';

export const EXPECTED_FAIL: ReadonlyMap<string, string> = new Map([
  ['base64-decode-5885', 'needs ? app-layer (base64_decode, http.request_body)'],
  ['bug-1450-02', 'needs TLS app-layer (tls keywords, app-layer-event:tls.*); also the capture ends in a damaged record ("absurd caplen") that the pcap reader reports as input damage'],
  ['bug-1450-05', 'needs TLS app-layer (tls keywords, app-layer-event:tls.*); also the capture ends in a damaged record ("absurd caplen") that the pcap reader reports as input damage'],
  ['bug-2511', 'needs HTTP app-layer (app-layer-event, http.anomaly.count, http.too_many_encoding_layers)'],
  ['bug-5929-02', 'needs HTTP app-layer (bsize, http.uri, urilen)'],
  ['bug-7552/bug-7552-01', 'needs HTTP app-layer (http.stat_code)'],
  ['bug-7842-01', 'needs HTTP app-layer (base64_decode, http.method, http.request_body)'],
  ['detect-absent-file-multi', 'needs HTTP app-layer (bsize, file.data, http.request_header, http.stat_code, http.uri)'],
  ['detect-app-layer-protocol-05', 'needs app-layer protocol detection (app-layer-protocol:http1 / ssh)'],
  ['detect-bidir', 'needs HTTP app-layer (filesize, http.connection, http.server, http.stat_code, http.uri)'],
  ['detect-bidir-flowbits', 'needs HTTP app-layer (file.data, http.method, http.request_body, http.server, http.stat_code, http.uri, ...)'],
  ['detect-bidir-ja3', 'needs TLS app-layer (ja3, ja3.string, ja3s.hash)'],
  ['detect-bytetest-02', 'raw-stream timing on a midstream pickup: Suricata alerts sids 4/5 once on the first packet (payload inspection, not yet added to the stream) and once more when the stream is inspected; Fennec adds the midstream packet to the stream and alerts once (1 alert each, expected 2)'],
  ['domain-keyword', 'needs DNS app-layer (dns.query)'],
  ['fileext-01', 'needs HTTP app-layer file tracking (fileext)'],
  ['fileext-02', 'needs HTTP app-layer file tracking (fileext, filename)'],
  ['filename-01', 'needs HTTP app-layer file tracking (filename)'],
  ['http-auth-unrecognized', 'needs HTTP app-layer (app-layer-event, http.anomaly.count, http.request_auth_unrecognized)'],
  ['http-double-encoded-uri', 'needs HTTP app-layer (app-layer-event, http.anomaly.count, http.double_encoded_uri); its config keys app-layer.protocols.http.libhtp.* are unknown settings'],
  ['http-multiple-cl', 'needs HTTP app-layer (app-layer-event, http.anomaly.count, http.duplicate_content_length_field_in_request)'],
  ['http-request-invalid', 'needs HTTP app-layer (app-layer-event, http.request_body_unexpected, http_client_body)'],
  ['http-request-line', 'needs HTTP app-layer (bsize, http_request_line)'],
  ['ipv6-evasion/ipv6-malformed-fragments-26', 'needs decoder event ipv6.trunc_exthdr on this capture (sensor/decode/ipv6.ts raises ipv6.exthdr_useless_fh only)'],
  ['ipv6-evasion/ipv6-malformed-fragments-29', 'defrag overlap detection: reassembly/defrag.ts does not see an overlap in this capture (0 alerts, Suricata 1)'],
  ['ipv6-evasion/ipv6-malformed-fragments-6', 'defrag overlap accounting: ipv6.frag_overlap is raised on two fragments of the datagram, Suricata raises it on one (2 alerts, expected 1)'],
  ['ipv6-evasion/ipv6-malformed-fragments-8', 'defrag overlap accounting: ipv6.frag_overlap is raised on two fragments of the datagram, Suricata raises it on one (2 alerts, expected 1)'],
  ['protocol-change-failed-event', 'needs HTTP app-layer (app-layer-event, http.anomaly.count, http.failed_protocol_change)'],
  ['tls/tls-fingerprint-alert', 'needs TLS app-layer (tls.cert_fingerprint, tls.fingerprint)'],
]);

const cases = existsSync(SV)
  ? execSync(`find ${SV} -name case.json`).toString().trim().split('\n').map((p) => p.replace(/\/case\.json$/, '')).sort()
  : [];

describe('suricata-verify corpus through fennec run', { concurrency: 2, skip: cases.length === 0 ? 'corpus not present' : false }, () => {
  test('every EXPECTED_FAIL entry names an existing case', () => {
    const names = new Set(cases.map((d) => relative(SV, d)));
    for (const n of EXPECTED_FAIL.keys()) assert.ok(names.has(n), `EXPECTED_FAIL lists unknown case ${n}`);
  });
  for (const dir of cases) {
    const name = relative(SV, dir);
    const why = EXPECTED_FAIL.get(name);
    test(`${name}${why ? ' (expected to fail: ' + why + ')' : ''}`, async () => {
      const r = await runSvCase(dir);
      if (why) {
        assert.notDeepEqual(r.diffs, [], `${name} now passes: remove it from EXPECTED_FAIL`);
      } else {
        assert.deepEqual(r.diffs, [], `${name}: ${r.diffs.join('; ')}`);
      }
    });
  }
});
