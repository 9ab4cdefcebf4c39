import { BOTH, type BufferDef } from './app-buffer.js';
import { fileBuffer } from './file-proto.js';
import { AppProto, BUF } from '../../sensor/app/types.js';

const def: BufferDef = {
  name: 'file.data', aliases: ['file_data'], buffer: BUF.FILE_DATA, proto: AppProto.HTTP, dirs: BOTH,
  description: 'file content: the HTTP response body (to client) or request body (to server)', doc: ['file-keywords', 'file-data'],
};

/** file.data; sticky buffer: file content: the HTTP response body (to client) or request body (to server). */
export const fileData = fileBuffer(def);
