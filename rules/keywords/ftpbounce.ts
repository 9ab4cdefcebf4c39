import { docUrl, type Keyword } from './keyword.js';
import { appSpec, TO_SERVER } from './app-buffer.js';
import { UintMode } from './uint.js';
import { AppProto } from '../../sensor/app/types.js';

/**
 * ftpbounce; an FTP PORT command naming an IPv4 address other than the client's own
 * (an FTP bounce, RFC 2577 3). sensor/app/ftp/state.ts stamps each PORT transaction with
 * the comparison (FtpTx.num('ftpbounce')), as Suricata compares the PORT line with the
 * flow's source address.
 */
export const ftpbounce: Keyword = {
  name: 'ftpbounce', value: 'none',
  description: 'FTP PORT command to an address other than the client (FTP bounce)',
  url: docUrl('ftp-keywords', 'ftpbounce'),
  parse(_v, b) {
    if (!b.ctx.appLayer) { b.rule.needs.push('ftpbounce'); return null; }
    const a = appSpec(b);
    if (a.proto !== 0 && a.proto !== AppProto.FTP) return 'ftpbounce needs an FTP rule';
    a.proto = AppProto.FTP;
    a.nums.push({ name: 'ftpbounce', check: { mode: UintMode.EQ, a: 1, b: 0 }, dirs: TO_SERVER });
    return null;
  },
};
