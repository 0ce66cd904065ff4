import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { minimalPdf } from '../testing/minimal-pdf.js';
import { DocumentRejectedError, type DocumentRejectionReason } from './document-rejected.error.js';
import { parseDocument } from './parse-document.js';
import type { ParsedDocument } from './parsed-document.js';

const limits = { maxBytes: 1_000_000 };
const fixture = (name: string): string =>
  readFileSync(new URL(`../../src/testing/fixtures/${name}`, import.meta.url), 'utf8');

/** Each section's text, keyed by its heading path. */
function sectionTexts(doc: ParsedDocument): Array<[string, string]> {
  return doc.sections.map((s) => [s.headingPath.join(' > '), doc.text.slice(s.start, s.end)]);
}

function assertSectionsWellFormed(doc: ParsedDocument): void {
  let last = 0;
  for (const s of doc.sections) {
    assert.ok(
      s.start >= last && s.end > s.start && s.end <= doc.text.length,
      `bad section ${JSON.stringify(s)}`,
    );
    assert.equal(doc.text.slice(last, s.start).trim(), '', 'text between sections is whitespace only');
    last = s.end;
  }
  assert.equal(doc.text.slice(last).trim(), '');
}

async function rejects(promise: Promise<unknown>, reason: DocumentRejectionReason): Promise<void> {
  await assert.rejects(
    promise,
    (err: unknown) => err instanceof DocumentRejectedError && err.reason === reason,
  );
}

describe('parseDocument', () => {
  it('parses plain text into one section, from bytes with a BOM and CRLF', async () => {
    const data = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('  Hello\r\nworld.\r\n')]);
    const doc = await parseDocument({ mimeType: 'text/plain; charset=utf-8', data }, limits);
    assert.equal(doc.text, '  Hello\nworld.\n');
    assert.deepEqual(sectionTexts(doc), [['', 'Hello\nworld.']]);
  });

  it('parses markdown headings into nested sections, keeping paragraphs and code', async () => {
    const doc = await parseDocument({ mimeType: 'text/markdown', text: fixture('guide.md') }, limits);
    assert.equal(doc.title, 'Cairn Guide');
    assertSectionsWellFormed(doc);
    assert.deepEqual(
      sectionTexts(doc).map(([path, text]) => [path, text.split('\n')[0]]),
      [
        ['Cairn Guide', 'Cairn Guide'],
        ['Cairn Guide > Building', 'Building'],
        ['Cairn Guide > Building > Stone selection', 'Stone selection'],
        ['Cairn Guide > Etiquette', 'Etiquette'],
      ],
    );
    const building = sectionTexts(doc)[1]![1];
    assert.match(
      building,
      /Start with flat stones and a wide base\.\nKeep the centre of gravity low\.\n\nconst stones = pile\(12\);\n\nfirst item\nsecond item$/,
    );
    assert.doesNotMatch(doc.text, /[*#`]/);
  });

  it('infers the media type from the source URI extension', async () => {
    const doc = await parseDocument(
      { mimeType: '', text: '# T\n\nbody', sourceUri: 'https://x.test/a/readme.MD?v=2' },
      limits,
    );
    assert.deepEqual(
      doc.sections.map((s) => s.headingPath),
      [['T']],
    );
  });

  it('extracts the article of an HTML page without navigation, footer or scripts', async () => {
    const doc = await parseDocument({ mimeType: 'text/html', text: fixture('article.html') }, limits);
    assert.equal(doc.title, 'Cairn Field Guide');
    assertSectionsWellFormed(doc);
    for (const junk of [
      'NAV_HOME',
      'FOOTER_COPYRIGHT',
      'SCRIPT_SECRET',
      'INLINE_SCRIPT',
      'ASIDE_ADS',
      'color: red',
      'Site Logo',
    ]) {
      assert.ok(!doc.text.includes(junk), `"${junk}" should be stripped`);
    }
    assert.deepEqual(
      doc.sections.map((s) => s.headingPath.join(' > ')),
      [
        'Cairn Field Guide',
        'Cairn Field Guide > Building a cairn',
        'Cairn Field Guide > Building a cairn > Stone selection',
        'Cairn Field Guide > Etiquette',
      ],
    );
    const stone = sectionTexts(doc)[2]![1];
    assert.ok(stone.startsWith('Stone selection\n\nPrefer local stone'));
    assert.ok(stone.endsWith('historic sites alike.'));
  });

  it('falls back to the body text when Readability finds no article', async () => {
    const html =
      '<html><head><title>Tiny</title></head><body><nav>MENU</nav><p>Just one line.</p><footer>FOOT</footer></body></html>';
    const doc = await parseDocument({ mimeType: 'text/html', text: html }, limits);
    assert.equal(doc.title, 'Tiny');
    assert.equal(doc.text, 'Just one line.');
  });

  it('takes the title from the first h1 when there is no <title>', async () => {
    const doc = await parseDocument(
      { mimeType: 'text/html', text: '<body><h1>Heading One</h1><p>Body text here.</p></body>' },
      limits,
    );
    assert.equal(doc.title, 'Heading One');
    assert.deepEqual(sectionTexts(doc), [['Heading One', 'Heading One\n\nBody text here.']]);
  });

  it('reads the text layer of a PDF page by page', async () => {
    const data = minimalPdf([['Hello PDF world'], ['Second page text']], { title: 'Tiny PDF' });
    const doc = await parseDocument({ mimeType: 'application/pdf', data }, limits);
    assert.equal(doc.title, 'Tiny PDF');
    assert.equal(doc.text, 'Hello PDF world\n\nSecond page text');
    assert.deepEqual(sectionTexts(doc), [
      ['', 'Hello PDF world'],
      ['', 'Second page text'],
    ]);
  });

  it('sniffs a PDF given as bytes with no media type', async () => {
    const doc = await parseDocument({ mimeType: '', data: minimalPdf([['Sniffed']]) }, limits);
    assert.equal(doc.text, 'Sniffed');
  });

  it('rejects a truncated PDF as corrupt', async () => {
    const data = minimalPdf([['Hello PDF world']]);
    await rejects(
      parseDocument(
        { mimeType: 'application/pdf', data: data.slice(0, Math.floor(data.length / 2)) },
        limits,
      ),
      'CORRUPT_DOCUMENT',
    );
  });

  it('refuses a PDF on which pdf.js leaves a rejection unhandled, and the process carries on', async () => {
    // Two bytes changed (found by fuzzing): pdf.js reports the file unreadable, then rejects a
    // promise nobody awaits. In the main thread that would end the process; in the PDF thread it
    // becomes a warning.
    const data = minimalPdf([['a page of words'], ['another page']]);
    const text = new TextDecoder('latin1').decode(data);
    data[text.indexOf('<< /F1')] = '('.charCodeAt(0);
    data[text.indexOf('MediaBox', text.indexOf('MediaBox') + 1) + 3] = ')'.charCodeAt(0);
    const warned = new Promise<Error>((resolve) => {
      const onWarning = (warning: Error): void => {
        if (warning.name !== 'CairnPdfWarning') return;
        process.off('warning', onWarning);
        resolve(warning);
      };
      process.on('warning', onWarning);
    });
    await rejects(parseDocument({ mimeType: 'application/pdf', data }, limits), 'CORRUPT_DOCUMENT');
    assert.match((await warned).message, /pdf\.js left a rejection unhandled/);
    const doc = await parseDocument(
      { mimeType: 'application/pdf', data: minimalPdf([['Still reading']]) },
      limits,
    );
    assert.equal(doc.text, 'Still reading');
  });

  it('rejects a PDF without a text layer as empty', async () => {
    await rejects(
      parseDocument({ mimeType: 'application/pdf', data: minimalPdf([[]]) }, limits),
      'EMPTY_DOCUMENT',
    );
  });

  it('flattens JSON to path: value lines, one section per top-level key', async () => {
    const text = JSON.stringify({
      title: 'Config',
      server: { port: 8080, hosts: ['a', 'b'] },
      'odd key': null,
      empty: [],
    });
    const doc = await parseDocument({ mimeType: 'application/json', text }, limits);
    assert.equal(doc.title, 'Config');
    assert.deepEqual(sectionTexts(doc), [
      ['title', 'title: Config'],
      ['server', 'server.port: 8080\nserver.hosts[0]: a\nserver.hosts[1]: b'],
      ['odd key', '["odd key"]: null'],
      ['empty', 'empty: []'],
    ]);
  });

  it('rejects invalid JSON as corrupt', async () => {
    await rejects(
      parseDocument({ mimeType: 'application/json', text: '{"a": 1,' }, limits),
      'CORRUPT_DOCUMENT',
    );
  });

  it('rejects invalid UTF-8 bytes as corrupt', async () => {
    await rejects(
      parseDocument({ mimeType: 'text/plain', data: new Uint8Array([0x68, 0xc3, 0x28]) }, limits),
      'CORRUPT_DOCUMENT',
    );
  });

  it('rejects oversized input before parsing', async () => {
    await rejects(
      parseDocument({ mimeType: 'text/plain', text: 'é'.repeat(600) }, { maxBytes: 1000 }),
      'DOCUMENT_TOO_LARGE',
    );
    await rejects(
      parseDocument({ mimeType: 'application/pdf', data: new Uint8Array(1001) }, { maxBytes: 1000 }),
      'DOCUMENT_TOO_LARGE',
    );
  });

  it('rejects unsupported media types and extensions', async () => {
    await rejects(
      parseDocument({ mimeType: 'image/png', data: new Uint8Array([1]) }, limits),
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await rejects(
      parseDocument({ mimeType: '', text: 'x', sourceUri: 'file.docx' }, limits),
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('rejects documents with no extractable text', async () => {
    await rejects(parseDocument({ mimeType: 'text/plain', text: ' \n\t ' }, limits), 'EMPTY_DOCUMENT');
    await rejects(
      parseDocument(
        { mimeType: 'text/html', text: '<html><body><script>x()</script></body></html>' },
        limits,
      ),
      'EMPTY_DOCUMENT',
    );
  });
});
