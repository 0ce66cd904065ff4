import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import type { ParsedDocument } from './parsed-document.js';
import { TextBuilder } from './text-builder.js';

/** The slice of the DOM this parser uses (the library targets no DOM lib typings). */
interface DomNode {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<DomNode>;
  getAttribute?(name: string): string | null;
  setAttribute?(name: string, value: string): void;
  remove?(): void;
  cloneNode(deep: boolean): DomNode;
}
interface DomDocument {
  readonly title: string;
  readonly body: DomNode | null;
  querySelector(selector: string): DomNode | null;
  querySelectorAll(selector: string): ArrayLike<DomNode>;
}

const BOILERPLATE =
  'script, style, noscript, template, iframe, svg, canvas, form, nav, footer, aside, ' +
  '[role="navigation"], [role="contentinfo"], [role="banner"], [aria-hidden="true"], body > header';
const LEVEL_ATTR = 'data-cairn-heading-level';
const BLOCKS = new Set([
  'ADDRESS',
  'ARTICLE',
  'BLOCKQUOTE',
  'DD',
  'DETAILS',
  'DIV',
  'DL',
  'DT',
  'FIGCAPTION',
  'FIGURE',
  'HEADER',
  'HR',
  'MAIN',
  'OL',
  'P',
  'SECTION',
  'SUMMARY',
  'TABLE',
  'TBODY',
  'THEAD',
  'TFOOT',
  'UL',
  'CAPTION',
]);
const TIGHT_BLOCKS = new Set(['LI', 'TR']);

/**
 * HTML: boilerplate (navigation, footers, scripts…) removed, main content picked by Readability over a
 * linkedom document, falling back to the body when Readability finds no article. h1–h6 open sections;
 * the title is `<title>`, else the first h1.
 */
export function parseHtml(html: string): ParsedDocument {
  const { document: doc } = parseHTML(asFullDocument(html)) as unknown as { document: DomDocument };
  const h1 = doc.querySelector('h1')?.textContent?.replace(/\s+/g, ' ').trim() || undefined;
  const title = doc.title.trim() || h1;
  // Readability renames h1 to h2: remember each heading's real level first.
  for (const h of Array.from(doc.querySelectorAll('h1, h2, h3, h4, h5, h6'))) {
    h.setAttribute?.(LEVEL_ATTR, h.nodeName.slice(1));
  }
  for (const el of Array.from(doc.querySelectorAll(BOILERPLATE))) el.remove?.();
  const fallback = doc.body?.cloneNode(true);
  // Readability's typings name DOM types this DOM-less build cannot see (they resolve loosely): keep the node.
  const article = new Readability<DomNode>(doc, { serializer: asDomNode }).parse();
  const fromArticle = Boolean(article?.content && article.textContent?.trim());
  const root = fromArticle ? article!.content : fallback;
  const out = new TextBuilder();
  // Readability drops an h1 that repeats the title: put it back so sections keep their top heading.
  if (fromArticle && h1 && !hasLevelOne(root)) out.heading(1, h1);
  if (root) walk(root, out);
  return out.build(title);
}

function asDomNode(node: unknown): DomNode {
  return node as DomNode;
}

/** linkedom only builds a proper tree from a whole document: wrap fragments. */
function asFullDocument(html: string): string {
  if (/<html[\s>]/i.test(html)) return html;
  if (/<(body|head)[\s>]/i.test(html)) return `<html>${html}</html>`;
  return `<html><head></head><body>${html}</body></html>`;
}

function hasLevelOne(root: DomNode | null | undefined): boolean {
  const q = root as unknown as { querySelector?(s: string): unknown } | null | undefined;
  return Boolean(q?.querySelector?.(`[${LEVEL_ATTR}="1"]`));
}

/** Depth-first walk (iterative: arbitrarily deep markup must not overflow the stack). */
function walk(root: DomNode, out: TextBuilder): void {
  let inline = '';
  let tight = false;
  const flush = (): void => {
    out.block(inline.replace(/\s+/g, ' ').trim(), tight);
    inline = '';
  };
  type Step = { node: DomNode; exit: boolean };
  const stack: Step[] = [{ node: root, exit: false }];
  while (stack.length > 0) {
    const { node, exit } = stack.pop()!;
    if (node.nodeType === 3) {
      inline += node.textContent ?? '';
      continue;
    }
    if (node.nodeType !== 1 && node.nodeType !== 11 && node.nodeType !== 9) continue;
    const name = node.nodeName.toUpperCase();
    const level = Number(node.getAttribute?.(LEVEL_ATTR) ?? (/^H[1-6]$/.test(name) ? name.slice(1) : NaN));
    if (exit) {
      flush();
      continue;
    }
    if (!Number.isNaN(level)) {
      flush();
      out.heading(level, node.textContent ?? '');
      continue;
    }
    if (name === 'PRE') {
      flush();
      out.block(node.textContent ?? '');
      continue;
    }
    if (name === 'BR') {
      inline += ' ';
      continue;
    }
    if (name === 'TD' || name === 'TH') inline += ' | ';
    const isBlock = BLOCKS.has(name) || TIGHT_BLOCKS.has(name);
    if (isBlock) {
      flush();
      tight = TIGHT_BLOCKS.has(name);
      stack.push({ node, exit: true });
    }
    const children = node.childNodes;
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, exit: false });
  }
  flush();
}
