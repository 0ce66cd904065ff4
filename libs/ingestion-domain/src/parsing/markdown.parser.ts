import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Nodes, Parents, PhrasingContent } from 'mdast';
import type { ParsedDocument } from './parsed-document.js';
import { parseSimpleMarkdown } from './simple-markdown.parser.js';
import { TextBuilder } from './text-builder.js';

/**
 * Markdown (CommonMark): headings open sections, paragraphs stay paragraphs, code blocks are kept
 * verbatim, list items and table rows become lines. Raw HTML blocks are dropped. The title is the first
 * level-1 heading, else the first heading. Documents of headings, paragraphs and simple lists take a
 * line-by-line fast path (`parseSimpleMarkdown`, same result); the others are parsed through mdast.
 */
export function parseMarkdown(source: string): ParsedDocument {
  return parseSimpleMarkdown(source) ?? parseMarkdownTree(source);
}

/** The mdast path of `parseMarkdown`, for every document. */
export function parseMarkdownTree(source: string): ParsedDocument {
  const tree = fromMarkdown(source);
  const out = new TextBuilder();
  let firstH1: string | undefined;
  let firstHeading: string | undefined;
  const visit = (node: Nodes, tight: boolean): void => {
    switch (node.type) {
      case 'heading': {
        const text = phrasing(node.children);
        out.heading(node.depth, text);
        firstHeading ??= text;
        if (node.depth === 1) firstH1 ??= text;
        return;
      }
      case 'paragraph':
        out.block(phrasing(node.children), tight);
        return;
      case 'code':
        out.block(node.value, false);
        return;
      case 'table':
        for (const row of node.children) {
          out.block(row.children.map((cell) => phrasing(cell.children).trim()).join(' | '), true);
        }
        return;
      case 'list':
      case 'listItem':
        for (const child of node.children) visit(child, true);
        return;
      case 'root':
      case 'blockquote':
        visitChildren(node, tight);
        return;
      case 'html':
      case 'thematicBreak':
      case 'definition':
      case 'footnoteDefinition':
      case 'yaml':
        // Raw HTML, rules, link definitions, front matter: no text to keep.
        return;
      case 'tableRow':
      case 'tableCell':
      case 'break':
      case 'delete':
      case 'emphasis':
      case 'footnoteReference':
      case 'image':
      case 'imageReference':
      case 'inlineCode':
      case 'link':
      case 'linkReference':
      case 'strong':
      case 'text':
        // Inline content and table parts are read by their block (paragraph, heading, table).
        return;
    }
  };
  const visitChildren = (node: Parents, tight: boolean): void => {
    for (const child of node.children) visit(child, tight);
  };
  visit(tree, false);
  return out.build(firstH1 ?? firstHeading);
}

/** Text of inline content: text and code spans verbatim, image alt text, hard breaks as newlines. */
function phrasing(nodes: readonly PhrasingContent[]): string {
  let out = '';
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
      case 'inlineCode':
        out += node.value;
        break;
      case 'break':
        out += '\n';
        break;
      case 'image':
        out += node.alt ?? '';
        break;
      case 'emphasis':
      case 'strong':
      case 'delete':
      case 'link':
      case 'linkReference':
        out += phrasing(node.children);
        break;
      case 'imageReference':
        out += node.alt ?? '';
        break;
      case 'footnoteReference':
      case 'html':
        break;
    }
  }
  return out;
}
