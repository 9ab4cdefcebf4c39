import { TO_CLIENT, stickyBuffer, type BufferDef } from './app-buffer.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'dns.answer.name', buffer: BUF.DNS_ANSWER_NAME, proto: AppProto.DNS, dirs: TO_CLIENT, multi: true,
  description: 'each answer record name of a DNS response', doc: ['dns-keywords', 'dns-answer-name'],
};

/** dns.answer.name; sticky buffer: each answer record name of a DNS response. */
export const dnsAnswerName = stickyBuffer(def);
