/**
 * Builds a minimal PDF 1.4 with one page per entry of `pages`, each showing its lines with Helvetica,
 * with a correct cross-reference table. Strings must be ASCII without parentheses or backslashes.
 * Test support only.
 */
export function minimalPdf(pages: readonly (readonly string[])[], info?: { title: string }): Uint8Array {
  const n = pages.length;
  const pageRefs = pages.map((_, i) => `${4 + 2 * i} 0 R`).join(' ');
  const objects: string[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pageRefs}] /Count ${n} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  pages.forEach((lines, i) => {
    const ops = lines.map((l, k) => `BT /F1 12 Tf 72 ${720 - 16 * k} Td (${l}) Tj ET`).join('\n');
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${5 + 2 * i} 0 R /Resources << /Font << /F1 3 0 R >> >> >>`,
    );
    objects.push(`<< /Length ${ops.length} >>\nstream\n${ops}\nendstream`);
  });
  if (info) objects.push(`<< /Title (${info.title}) >>`);
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  const infoRef = info ? ` /Info ${objects.length} 0 R` : '';
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${infoRef} >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}
