/**
 * libhtp settings Fennec's HTTP parser honours, under Suricata's names
 * (`app-layer.protocols.http.libhtp.default-config.*` in suricata.yaml) with Suricata's
 * defaults. Plain data: it is cloned into worker threads with the sensor config.
 */
export interface HttpConfig {
  /** request-body-limit: bytes of a request body kept for inspection (Suricata 100kb). */
  requestBodyLimit: number;
  /** response-body-limit: bytes of a response body kept for inspection (Suricata 100kb). */
  responseBodyLimit: number;
  /**
   * response-body-decompress-layer-limit: Content-Encoding layers accepted before
   * http.too_many_encoding_layers is raised (Suricata 2; 0 = no limit).
   */
  decompressLayerLimit: number;
  /** double-decode-path: %-decode the normalized path a second time (http.double_encoded_uri). */
  doubleDecodePath: boolean;
  /** double-decode-query: same for the query string. */
  doubleDecodeQuery: boolean;
}

export const DEFAULT_HTTP_CONFIG: Readonly<HttpConfig> = Object.freeze({
  requestBodyLimit: 100 * 1024,
  responseBodyLimit: 100 * 1024,
  decompressLayerLimit: 2,
  doubleDecodePath: false,
  doubleDecodeQuery: false,
});

/** The suricata.yaml key prefix of these settings. */
export const HTTP_CONFIG_PREFIX = 'app-layer.protocols.http.libhtp.default-config.';
