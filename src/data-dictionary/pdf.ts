// The data dictionary as a PDF (/admin/data-dictionary.pdf), drawn server-side with pdfkit from the
// same export definitions, product definitions, hours-saved table and type notes as the page and the
// CSV file, so the three can never disagree. No browser is involved: a few hundred text lines, ~50 ms.
import PDFDocument from 'pdfkit';
import { exportsByArea } from './registry';
import { DEFINITIONS, TYPE_NOTES, hoursSavedTable } from './view-model';
import { pathTemplate } from './export-defs';

/**
 * The PDF's standard fonts (Helvetica) encode WinAnsi only; characters outside it are replaced by
 * their closest plain form so nothing prints as a missing glyph.
 */
const REPLACE: Record<string, string> = { '≥': '>=', '≤': '<=', '→': '->', '←': '<-', '≈': '~', '×': 'x', '−': '-', '÷': '/' };
export function pdfText(s: string): string {
  return s.replace(/[^\x00-\xff‘’“”–—…•·€™]/g, (c) => REPLACE[c] ?? '?');
}

const MARGIN = 50;
const COLS = [
  { title: 'Column', width: 150 },
  { title: 'Type', width: 50 },
  { title: 'Meaning', width: 207 },
  { title: 'Example', width: 88 },
];

export interface DictionaryPdfOptions {
  workspaceName: string;
  /** the day the file was made (workspace time zone, YYYY-MM-DD) */
  day: string;
}

/** Builds the dictionary; the caller pipes the returned document into the response and ends it. */
export function dictionaryPdf(opts: DictionaryPdfOptions): PDFKit.PDFDocument {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: { Title: 'Usage Report Data Dictionary', Subject: `Every export column of ${pdfText(opts.workspaceName)}`, Creator: 'Usage Console' },
  });
  const width = doc.page.width - MARGIN * 2;
  const bottom = () => doc.page.height - MARGIN - 20;
  const ensure = (h: number) => {
    if (doc.y + h > bottom()) doc.addPage();
  };
  const heading = (text: string, size: number) => {
    ensure(size * 3);
    doc.moveDown(0.6).font('Helvetica-Bold').fontSize(size).fillColor('#111827').text(pdfText(text), MARGIN, doc.y, { width });
    doc.moveDown(0.3);
  };
  const para = (text: string, size = 9.5, color = '#374151') => {
    doc.font('Helvetica').fontSize(size).fillColor(color).text(pdfText(text), MARGIN, doc.y, { width });
    doc.moveDown(0.4);
  };

  /** A table row: every cell wraps in its column; the row is as tall as its tallest cell. */
  const row = (cells: string[], widths: number[], bold: boolean, shade: boolean, code = false) => {
    const font = (i: number) => doc.font(bold ? 'Helvetica-Bold' : i === 0 && code ? 'Courier' : 'Helvetica').fontSize(i === 0 && code && !bold ? 7.6 : 8.5);
    const heights = cells.map((c, i) => font(i).heightOfString(pdfText(c), { width: widths[i] - 8 }));
    const h = Math.max(...heights) + 8;
    ensure(h);
    const y = doc.y;
    if (shade) doc.rect(MARGIN, y, widths.reduce((a, b) => a + b, 0), h).fill(bold ? '#e5e7eb' : '#f9fafb');
    let x = MARGIN;
    cells.forEach((c, i) => {
      font(i).fillColor('#111827');
      doc.text(pdfText(c), x + 4, y + 4, { width: widths[i] - 8 });
      x += widths[i];
    });
    doc.x = MARGIN;
    doc.y = y + h;
  };

  doc.font('Helvetica-Bold').fontSize(20).fillColor('#111827').text('Usage Report Data Dictionary', MARGIN, MARGIN, { width });
  doc.moveDown(0.2);
  para(`${opts.workspaceName} · generated ${opts.day} · a field-by-field reference for every export log`, 10, '#6b7280');
  para(
    'Every export is a CSV file (UTF-8, comma-separated, header row first). Each section below lists one export: its download address, what one row is, and each column with its type, meaning and an example value. The definitions that follow are the wording every page and export uses.',
  );

  for (const g of exportsByArea()) {
    heading(g.area, 15);
    for (const def of g.exports) {
      heading(def.title, 11.5);
      para(`${pathTemplate(def.path)}${/:[A-Za-z_]/.test(def.path) ? ' ({id} is a user id: download it from that user’s Activity Logs)' : ''}`, 8.5, '#4b5563');
      para(def.description);
      const widths = COLS.map((c) => c.width);
      row(COLS.map((c) => c.title), widths, true, true);
      def.columns.forEach((c, i) => row([c.key, c.type, c.description, c.example === '' ? '(empty)' : c.example], widths, false, i % 2 === 1, true));
      doc.moveDown(0.5);
    }
  }

  heading('Definitions', 15);
  for (const d of DEFINITIONS) {
    ensure(30);
    doc.font('Helvetica-Bold').fontSize(9.5).fillColor('#111827').text(pdfText(d.term), MARGIN, doc.y, { width });
    para(d.definition);
  }

  heading('Hours-saved table', 15);
  para('Minutes a single generation saves, by the surface it came from. Hours saved = sum of these minutes over the generations / 60. A directional estimate, not a measurement.');
  row(['Surface', 'Value in exports', 'Minutes per generation'], [180, 150, 165], true, true);
  hoursSavedTable().forEach((h, i) => row([h.label, h.surface, String(h.minutes)], [180, 150, 165], false, i % 2 === 1));

  heading('File format and types', 15);
  row(['Type', 'Meaning'], [90, 405], true, true);
  TYPE_NOTES.forEach((t, i) => row([t.type, t.meaning], [90, 405], false, i % 2 === 1));

  // page numbers, once every page exists
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    doc.page.margins.bottom = 0; // the footer sits in the margin; without this pdfkit would start a new page
    doc.font('Helvetica').fontSize(8).fillColor('#9ca3af');
    doc.text(`Usage Report Data Dictionary · page ${i + 1} of ${range.count}`, MARGIN, doc.page.height - MARGIN + 10, { width, align: 'center', lineBreak: false });
  }
  return doc;
}
