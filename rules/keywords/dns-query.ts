import { BOTH, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'dns.query', aliases: ['dns_query'], buffer: BUF.DNS_QUERY, proto: AppProto.DNS, dirs: BOTH, multi: true,
  description: 'each query name of the DNS message', doc: ['dns-keywords', 'dns-query'],
};

/** dns.query; sticky buffer: each query name of the DNS message. */
export const dnsQuery = stickyBuffer(def);
