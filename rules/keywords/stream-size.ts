import { docUrl, args, type Keyword } from './keyword.js';

/** stream_size:server|client|both|either,op,N; bytes seen on the TCP stream per side. */
export const streamSize: Keyword = {
  name: 'stream_size', value: 'required',
  description: 'match on the number of bytes seen in the TCP stream of one or both sides',
  url: docUrl('flow-keywords', 'stream-size'),
  parse(v, b) {
    const a = args(v!);
    if (a.length !== 3) return `invalid stream_size "${v}"`;
    const side = a[0];
    if (!['server', 'client', 'both', 'either'].includes(side)) return `invalid stream_size side "${side}"`;
    const op = a[1];
    if (!/^\d+$/.test(a[2])) return `invalid stream_size value "${a[2]}"`;
    const n = Number(a[2]);
    const cmp = op === '>' ? (x: number) => x > n : op === '<' ? (x: number) => x < n : op === '=' ? (x: number) => x === n
      : op === '!=' ? (x: number) => x !== n : op === '>=' ? (x: number) => x >= n : op === '<=' ? (x: number) => x <= n : null;
    if (!cmp) return `invalid stream_size operator "${op}"`;
    b.rule.header.push({
      keyword: 'stream_size',
      match: (p, f) => {
        if (p.proto !== 6 || f === null) return false;
        // Suricata compares next_seq - isn, which counts the SYN; streamTo* counts it too.
        const srv = f.streamToClient, cli = f.streamToServer;
        return side === 'server' ? cmp(srv) : side === 'client' ? cmp(cli)
          : side === 'both' ? cmp(srv) && cmp(cli) : cmp(srv) || cmp(cli);
      },
    });
    return null;
  },
};
