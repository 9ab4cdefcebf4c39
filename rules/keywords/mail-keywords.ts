/**
 * SMTP and FTP keywords (sensor/app/smtp, sensor/app/ftp), spread into APP_KEYWORDS by one
 * line in app-keywords.ts.
 */
import type { Keyword } from './keyword.js';
import { smtpHelo } from './smtp-helo.js';
import { smtpMailFrom } from './smtp-mail-from.js';
import { smtpRcptTo } from './smtp-rcpt-to.js';
import { ftpCommand } from './ftp-command.js';
import { ftpCommandData } from './ftp-command-data.js';
import { ftpReply, ftpCompletionCode } from './ftp-reply.js';
import { ftpbounce } from './ftpbounce.js';

export const MAIL_KEYWORDS: readonly Keyword[] = [smtpHelo, smtpMailFrom, smtpRcptTo, ftpCommand, ftpCommandData, ftpReply, ftpCompletionCode, ftpbounce];
