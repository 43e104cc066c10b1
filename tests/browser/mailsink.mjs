// A small SMTP sink for the browser tests: an `smtp-server` on a free
// loopback port (plain SMTP, no TLS, no authentication, like the relay that
// `PORTEN_SMTP_URL` names) that keeps every message it is handed, decoded just
// enough to read: headers unfolded, RFC 2047 subjects, and quoted-printable
// or base64 bodies (lettre picks one of them for non-ASCII text).

import { SMTPServer } from 'smtp-server';

export class MailSink {
  constructor() {
    this.messages = []; // { from, to[], subject, headers, body, raw }
    this.errors = [];
    this.port = null;
    this.server = null;
  }

  start() {
    this.server = new SMTPServer({
      secure: false,
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      banner: 'porten browser test sink',
      size: 10 * 1024 * 1024,
      onData: (stream, session, callback) => {
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        stream.on('error', callback);
        stream.on('end', () => {
          try {
            const mail = parseMail(Buffer.concat(chunks));
            mail.envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
            mail.to = session.envelope.rcptTo.map((r) => r.address);
            this.messages.push(mail);
            callback();
          } catch (e) {
            this.errors.push(String(e));
            callback(e);
          }
        });
      },
    });
    // Connection-level problems are kept for the report, never thrown.
    this.server.on('error', (e) => this.errors.push(String(e && e.message ? e.message : e)));
    return new Promise((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.port = this.server.server.address().port;
        resolve();
      });
    });
  }

  get url() {
    return `smtp://127.0.0.1:${this.port}`;
  }

  // Polls until a message satisfies `pred`; returns it, or null after `timeoutMs`.
  async waitFor(pred, timeoutMs = 15_000, pollMs = 100) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(pred);
      if (found) return found;
      if (Date.now() >= deadline) return null;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  stop() {
    if (!this.server) return Promise.resolve();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// Splits a raw message into unfolded headers and a decoded text body.
export function parseMail(raw) {
  const text = raw.toString('latin1');
  const sep = text.search(/\r?\n\r?\n/);
  const head = sep < 0 ? text : text.slice(0, sep);
  const bodyRaw = sep < 0 ? '' : text.slice(sep).replace(/^\r?\n\r?\n/, '');
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const cte = (headers['content-transfer-encoding'] || '7bit').toLowerCase();
  let bytes;
  if (cte === 'quoted-printable') bytes = decodeQuotedPrintable(bodyRaw);
  else if (cte === 'base64') bytes = Buffer.from(bodyRaw.replace(/\s+/g, ''), 'base64');
  else bytes = Buffer.from(bodyRaw, 'latin1');
  const charset = (/charset="?([^";\s]+)"?/i.exec(headers['content-type'] || '') || [])[1] || 'utf-8';
  const body = new TextDecoder(/^utf-?8$/i.test(charset) ? 'utf-8' : charset.toLowerCase()).decode(bytes);
  return {
    from: decodeWords(Buffer.from(headers.from || '', 'latin1').toString('utf8')),
    subject: decodeWords(Buffer.from(headers.subject || '', 'latin1').toString('utf8')),
    headers,
    transferEncoding: cte,
    body,
    raw: text,
  };
}

// Quoted-printable to bytes: soft line breaks (`=` at a line end) vanish,
// `=XX` is one byte.
export function decodeQuotedPrintable(s) {
  const joined = s.replace(/=\r?\n/g, '');
  const out = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      out.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(joined.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(out);
}

// RFC 2047 encoded words (`=?utf-8?b?...?=`, `=?utf-8?q?...?=`) in a header.
export function decodeWords(s) {
  return s
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([bqBQ])\?([^?]*)\?=/g, (_, charset, enc, data) => {
      const bytes = enc.toLowerCase() === 'b'
        ? Buffer.from(data, 'base64')
        : decodeQuotedPrintable(data.replace(/_/g, ' '));
      try {
        return new TextDecoder(charset.toLowerCase()).decode(bytes);
      } catch {
        return bytes.toString('utf8');
      }
    });
}
