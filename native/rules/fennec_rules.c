/*
 * fennec_rules.c: the C side of Fennec's rule engine natives (loaded with koffi from
 * native/vectorscan.ts and native/pcre2.ts). It exists for three things koffi cannot do
 * cheaply from JS:
 *  - batch scanning: one FFI call runs hs_scan over many (offset, len, tag) buffers of one
 *    base array and records (tag, pattern id, end offset) into caller-provided arrays, so
 *    there is no JS callback per match;
 *  - building `const char **` arrays of binary literals (contents contain NUL bytes) for
 *    hs_compile_lit_multi / hs_compile_ext_multi;
 *  - PCRE2 matching at base+off with the ovector copied into a caller Uint32Array (no
 *    koffi.decode, so nothing is allocated per call).
 */
#include <hs/hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- Vectorscan ---------------- */

struct batch_ctx {
  uint32_t tag;
  uint32_t *out_tag, *out_id, *out_end;
  uint32_t count, cap;
  uint32_t overflow;
};

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *vctx) {
  (void)from; (void)flags;
  struct batch_ctx *c = (struct batch_ctx *)vctx;
  if (c->count >= c->cap) { c->overflow = 1; return 1; }
  c->out_tag[c->count] = c->tag;
  c->out_id[c->count] = id;
  c->out_end[c->count] = (uint32_t)to;
  c->count++;
  return 0;
}

/* hs_scan of each buffer into c, tagging its matches tag[i] | tag_or; stops at the capacity. */
static hs_error_t scan_into(const hs_database_t *db, hs_scratch_t *scratch, const uint8_t *base,
                            const uint32_t *off, const uint32_t *len, const uint32_t *tag, uint32_t n,
                            uint32_t tag_or, struct batch_ctx *c) {
  for (uint32_t i = 0; i < n; i++) {
    c->tag = tag[i] | tag_or;
    hs_error_t rc = hs_scan(db, (const char *)base + off[i], len[i], 0, scratch, on_match, c);
    if (rc == HS_SCAN_TERMINATED) return HS_SUCCESS;
    if (rc != HS_SUCCESS) return rc;
  }
  return HS_SUCCESS;
}

/*
 * Scans buffers base[off[i] .. off[i]+len[i]) for i < n with one database and one scratch.
 * Matches go to out_* (at most cap). Returns the number of matches written, or a negative
 * hs_error_t. *overflow is set to 1 when cap was reached (later matches were dropped and
 * the caller must rescan with more room or fall back to verification without prefilter).
 */
int32_t fennec_hs_scan_batch(const hs_database_t *db, hs_scratch_t *scratch,
                             const uint8_t *base, const uint32_t *off, const uint32_t *len,
                             const uint32_t *tag, uint32_t n,
                             uint32_t *out_tag, uint32_t *out_id, uint32_t *out_end,
                             uint32_t cap, uint32_t *overflow) {
  struct batch_ctx c = { 0, out_tag, out_id, out_end, 0, cap, 0 };
  hs_error_t rc = scan_into(db, scratch, base, off, len, tag, n, 0, &c);
  if (rc != HS_SUCCESS) return rc;
  *overflow = c.overflow;
  return (int32_t)c.count;
}

/*
 * Scan context: the batch arrays live in one native block the JS side maps with koffi.view
 * (zero copy), so a scan call passes 4 arguments instead of 12. Measured with koffi 3.3:
 * 79 ns per call for (ptr, ptr, u8*, u32) against 260 ns for the 12-argument form, on
 * ~0.9 scans per packet with ET Open.
 * Block layout (uint32 words): off[nb] len[nb] tag[nb] out_tag[cap] out_id[cap] out_end[cap] overflow.
 */
struct fennec_scan_ctx {
  hs_scratch_t *scratch;
  uint32_t nb, cap;
  uint32_t *block;
};

struct fennec_scan_ctx *fennec_scan_ctx_new(uint32_t nb, uint32_t cap) {
  struct fennec_scan_ctx *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->block = calloc((size_t)3 * nb + (size_t)3 * cap + 1, sizeof(uint32_t));
  if (!c->block) { free(c); return NULL; }
  c->nb = nb; c->cap = cap;
  return c;
}

uint32_t *fennec_scan_ctx_block(struct fennec_scan_ctx *c) { return c->block; }

void fennec_scan_ctx_set_scratch(struct fennec_scan_ctx *c, hs_scratch_t *s) { c->scratch = s; }

void fennec_scan_ctx_free(struct fennec_scan_ctx *c) {
  if (!c) return;
  free(c->block);
  free(c);
}

/* fennec_hs_scan_batch over the context's arrays; the overflow flag is the block's last word. */
int32_t fennec_scan_ctx_scan(struct fennec_scan_ctx *c, const hs_database_t *db, const uint8_t *base, uint32_t n) {
  uint32_t *b = c->block, nb = c->nb, cap = c->cap;
  if (n > nb) n = nb;
  return fennec_hs_scan_batch(db, c->scratch, base, b, b + nb, b + 2 * nb, n,
                              b + 3 * nb, b + 3 * nb + cap, b + 3 * nb + 2 * cap, cap, b + 3 * nb + 3 * cap);
}

/*
 * Two databases over the same buffers in one call (a port group's common database and its
 * port-specific one): matches of db2 carry tag | 0x80000000.
 */
int32_t fennec_scan_ctx_scan2(struct fennec_scan_ctx *c, const hs_database_t *db1, const hs_database_t *db2,
                              const uint8_t *base, uint32_t n) {
  uint32_t *b = c->block, nb = c->nb, cap = c->cap;
  if (n > nb) n = nb;
  const uint32_t *off = b, *len = b + nb, *tag = b + 2 * nb;
  struct batch_ctx bc = { 0, b + 3 * nb, b + 3 * nb + cap, b + 3 * nb + 2 * cap, 0, cap, 0 };
  hs_error_t rc = scan_into(db1, c->scratch, base, off, len, tag, n, 0, &bc);
  if (rc == HS_SUCCESS) rc = scan_into(db2, c->scratch, base, off, len, tag, n, 0x80000000u, &bc);
  if (rc != HS_SUCCESS) return rc;
  b[3 * nb + 3 * cap] = bc.overflow;
  return (int32_t)bc.count;
}

static uint32_t fold16(uint64_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (uint32_t)s;
}

/*
 * TCP checksum of base[l4off, l4off+l4len) plus `pseudo` (the pseudo-header words summed
 * big-endian, unfolded), then — when it is right — the prefilter scan of base[payoff,
 * payoff+paylen) with db1 and db2 (db2 may be NULL) as fennec_scan_ctx_scan2 does. One FFI
 * call per TCP packet with payload instead of a JS checksum loop (~190 ns per 480 B) and a
 * scan call. Returns -1000 for a wrong checksum. The sum runs in native byte order over
 * 32-bit words (RFC 1071: the one's complement sum is byte-order independent).
 */
int32_t fennec_scan_ctx_tcp(struct fennec_scan_ctx *c, const hs_database_t *db1, const hs_database_t *db2,
                            const uint8_t *base, uint32_t l4off, uint32_t l4len, uint32_t pseudo,
                            uint32_t payoff, uint32_t paylen) {
  const uint8_t *d = base + l4off;
  uint64_t s = 0;
  uint32_t i = 0;
  for (; i + 4 <= l4len; i += 4) { uint32_t w; memcpy(&w, d + i, 4); s += w; }
  if (i + 2 <= l4len) { uint16_t w; memcpy(&w, d + i, 2); s += w; i += 2; }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (i < l4len) s += d[i];
  uint32_t ps = fold16(pseudo);
  ps = ((ps & 0xff) << 8) | (ps >> 8);
#else
  if (i < l4len) s += (uint32_t)d[i] << 8;
  uint32_t ps = fold16(pseudo);
#endif
  if (fold16((uint64_t)fold16(s) + ps) != 0xffff) return -1000;
  uint32_t *b = c->block, nb = c->nb;
  b[0] = payoff; b[nb] = paylen; b[2 * nb] = 0;
  if (paylen == 0) { b[3 * nb + 3 * c->cap] = 0; return 0; }
  if (db2 != NULL) return fennec_scan_ctx_scan2(c, db1, db2, base, 1);
  return fennec_scan_ctx_scan(c, db1, base, 1);
}

static void copy_error(hs_compile_error_t *err, char *errbuf, uint32_t errcap, int32_t *errexpr) {
  if (!err) return;
  if (errbuf && errcap) {
    strncpy(errbuf, err->message ? err->message : "unknown", errcap - 1);
    errbuf[errcap - 1] = 0;
  }
  if (errexpr) *errexpr = err->expression;
  hs_free_compile_error(err);
}

/* Literal patterns: literal i is blob[offs[i] .. offs[i]+lens[i]). */
int32_t fennec_hs_compile_lits(const uint8_t *blob, const uint32_t *offs, const uint32_t *lens,
                               const uint32_t *flags, const uint32_t *ids, uint32_t n,
                               uint32_t mode, hs_database_t **db,
                               char *errbuf, uint32_t errcap, int32_t *errexpr) {
  const char **exprs = malloc(sizeof(char *) * (n ? n : 1));
  size_t *sizes = malloc(sizeof(size_t) * (n ? n : 1));
  if (!exprs || !sizes) { free(exprs); free(sizes); return HS_NOMEM; }
  for (uint32_t i = 0; i < n; i++) { exprs[i] = (const char *)blob + offs[i]; sizes[i] = lens[i]; }
  hs_compile_error_t *err = NULL;
  hs_error_t rc = hs_compile_lit_multi(exprs, flags, ids, sizes, n, mode, NULL, db, &err);
  copy_error(err, errbuf, errcap, errexpr);
  free(exprs); free(sizes);
  return rc;
}

/*
 * Regex patterns: expression i is the NUL-terminated string at blob+offs[i]. min_off/max_off
 * (0 = unset) fill hs_expr_ext_t so depth/offset can be pushed into the prefilter.
 */
int32_t fennec_hs_compile_regex(const uint8_t *blob, const uint32_t *offs,
                                const uint32_t *flags, const uint32_t *ids,
                                const uint32_t *min_off, const uint32_t *max_off, uint32_t n,
                                uint32_t mode, hs_database_t **db,
                                char *errbuf, uint32_t errcap, int32_t *errexpr) {
  const char **exprs = malloc(sizeof(char *) * (n ? n : 1));
  hs_expr_ext_t *ext = calloc(n ? n : 1, sizeof(hs_expr_ext_t));
  const hs_expr_ext_t **extp = malloc(sizeof(hs_expr_ext_t *) * (n ? n : 1));
  if (!exprs || !ext || !extp) { free(exprs); free(ext); free(extp); return HS_NOMEM; }
  for (uint32_t i = 0; i < n; i++) {
    exprs[i] = (const char *)blob + offs[i];
    if (min_off && min_off[i]) { ext[i].flags |= HS_EXT_FLAG_MIN_OFFSET; ext[i].min_offset = min_off[i]; }
    if (max_off && max_off[i]) { ext[i].flags |= HS_EXT_FLAG_MAX_OFFSET; ext[i].max_offset = max_off[i]; }
    extp[i] = ext[i].flags ? &ext[i] : NULL;
  }
  hs_compile_error_t *err = NULL;
  hs_error_t rc = hs_compile_ext_multi(exprs, flags, ids, extp, n, mode, NULL, db, &err);
  copy_error(err, errbuf, errcap, errexpr);
  free(exprs); free(ext); free(extp);
  return rc;
}

/* Serialize into a malloc'd buffer; fennec_copy_free copies it to JS memory and frees it. */
int32_t fennec_hs_serialize(const hs_database_t *db, char **bytes, size_t *len) {
  return hs_serialize_database(db, bytes, len);
}

void fennec_copy_free(void *src, uint8_t *dst, size_t n) {
  memcpy(dst, src, n);
  free(src);
}

/* ---------------- PCRE2 ---------------- */

/*
 * One match context with Suricata's default limits (suricata.yaml pcre.match-limit 3500,
 * match-limit-recursion 1500) so a hostile payload cannot make one pcre run for seconds.
 * Written once at load time, only read afterwards (each worker is its own process/isolate).
 */
static pcre2_match_context *mctx = NULL;

int32_t fennec_pcre2_set_limits(uint32_t match_limit, uint32_t depth_limit) {
  if (!mctx) mctx = pcre2_match_context_create(NULL);
  if (!mctx) return -1;
  pcre2_set_match_limit(mctx, match_limit);
  pcre2_set_depth_limit(mctx, depth_limit);
  return 0;
}

/*
 * Matches code on subject base[off .. off+len) from start (relative to off). Copies up to
 * pairs (start,end) ovector pairs into ovec (PCRE2_UNSET becomes 0xffffffff). Returns
 * pcre2_match's rc (>0 match, PCRE2_ERROR_NOMATCH = -1, other negatives = errors, e.g.
 * match limit).
 */
int32_t fennec_pcre2_match(const pcre2_code *code, pcre2_match_data *md,
                           const uint8_t *base, uint32_t off, uint32_t len, uint32_t start,
                           uint32_t options, uint32_t *ovec, uint32_t pairs) {
  int rc = pcre2_match(code, base + off, len, start, options, md, mctx);
  if (rc > 0 && ovec) {
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t np = pcre2_get_ovector_count(md);
    if (np > pairs) np = pairs;
    for (uint32_t i = 0; i < np * 2; i++) ovec[i] = ov[i] == PCRE2_UNSET ? 0xffffffffu : (uint32_t)ov[i];
  }
  return rc;
}
