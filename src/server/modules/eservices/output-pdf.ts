import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, type PDFFont, type PDFPage, rgb } from 'pdf-lib';
import QRCode from 'qrcode';

export interface OutputPdfInput {
  /** BCP 47 tag of the citizen's language: fr-SN, wo-SN, en-SN. */
  language: string;
  title: string;
  issuer: { name: string };
  reference: string;
  applicant: { name: string; nin: string };
  /** Localized, placeholders filled; printed as given (in NFC), `\n` breaks a line. */
  statement: string;
  issuedAt: Date;
  validUntil?: Date;
  /** Localized captions. */
  labels: {
    reference: string;
    applicant: string;
    nin: string;
    issuedOn: string;
    validUntil: string;
    verify: string;
  };
  verificationUrl: string;
  /** Of the printed dates; Senegal's by default. */
  timeZone?: string;
}

const mm = 72 / 25.4;
const a4: [number, number] = [210 * mm, 297 * mm];
const margin = 20 * mm;
const contentWidth = a4[0] - 2 * margin;
const footerY = 12 * mm;
/**
 * A code of about 750 characters needs a version 22 QR (105 modules plus a 4-module quiet zone):
 * at 45 mm a module is 0.4 mm, which a phone camera reads from a printed page.
 */
const qrSize = 45 * mm;
const ink = rgb(0.1, 0.1, 0.12);
const muted = rgb(0.38, 0.38, 0.42);
const rule = rgb(0.75, 0.75, 0.78);

/** A date's language when ICU has none for the citizen's: French, the official language. */
const fallbackLocale = 'fr-SN';

// DejaVu Sans covers French and Wolof (ŋ, ñ, ë, ó…), which the standard PDF fonts (WinAnsi) cannot;
// pdf-lib embeds only the glyphs used. TrueType files: fontkit reads WOFF too, but inflates a table
// again on every glyph it reads (over a second per PDF instead of a tenth).
const require = createRequire(import.meta.url);
let fontFiles: Promise<{ regular: Buffer; bold: Buffer }> | undefined;
function loadFontFiles() {
  fontFiles ??= Promise.all(
    ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((file) =>
      readFile(require.resolve(`dejavu-fonts-ttf/ttf/${file}`)),
    ),
  ).then(([regular, bold]) => ({ regular: regular!, bold: bold! }));
  return fontFiles;
}

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
}

/** A one-page (more if the statement is long) A4 PDF with the verification QR on the first page. */
export async function renderOutputPdf(input: OutputPdfInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const files = await loadFontFiles();
  const fonts: Fonts = {
    regular: await doc.embedFont(files.regular, { subset: true }),
    bold: await doc.embedFont(files.bold, { subset: true }),
  };
  const printable = printableCheck(fonts);
  const text = (s: string) => printable(s.normalize('NFC'));

  doc.setTitle(text(input.title), { showInWindowTitleBar: true });
  doc.setSubject(input.reference);
  doc.setKeywords([input.verificationUrl]);
  doc.setAuthor(text(input.issuer.name));
  doc.setCreator('Jokko');
  doc.setProducer('Jokko');
  doc.setLanguage(input.language);
  doc.setCreationDate(input.issuedAt);
  doc.setModificationDate(input.issuedAt);

  const date = dateFormatter(input.language, input.timeZone ?? 'Africa/Dakar');
  let page = doc.addPage(a4);
  let y = a4[1] - margin;

  y = drawLines(page, wrap(text(input.issuer.name), fonts.bold, 12, contentWidth), fonts.bold, 12, 16, y);
  y -= 4;
  page.drawLine({
    start: { x: margin, y },
    end: { x: a4[0] - margin, y },
    thickness: 1.5,
    color: ink,
  });
  y -= 30;
  y = drawLines(page, wrap(text(input.title), fonts.bold, 18, contentWidth), fonts.bold, 18, 23, y);
  y -= 14;

  const fields: Array<[string, string]> = [
    [input.labels.reference, input.reference],
    [input.labels.applicant, input.applicant.name],
    [input.labels.nin, input.applicant.nin],
    [input.labels.issuedOn, date.format(input.issuedAt)],
  ];
  if (input.validUntil) fields.push([input.labels.validUntil, date.format(input.validUntil)]);
  const labelWidth = Math.min(
    contentWidth * 0.4,
    Math.max(...fields.map(([label]) => fonts.regular.widthOfTextAtSize(text(label), 10))) + 16,
  );
  for (const [label, value] of fields) {
    const labelLines = wrap(text(label), fonts.regular, 10, labelWidth - 16);
    const valueLines = wrap(text(value), fonts.bold, 11, contentWidth - labelWidth);
    drawLines(page, labelLines, fonts.regular, 10, 15, y, margin, muted);
    const below = drawLines(page, valueLines, fonts.bold, 11, 15, y, margin + labelWidth);
    y = Math.min(below, y - labelLines.length * 15) - 5;
  }
  y -= 6;
  page.drawLine({ start: { x: margin, y }, end: { x: a4[0] - margin, y }, thickness: 0.5, color: rule });
  y -= 24;

  const qrTop = footerY + 12 * mm + qrSize;
  await drawQr(doc, page, fonts, input, text);

  const statementSize = 11;
  const leading = 16;
  let floor = qrTop + 10 * mm;
  for (const line of wrap(text(input.statement), fonts.regular, statementSize, contentWidth)) {
    if (y - statementSize < floor) {
      page = doc.addPage(a4);
      y = a4[1] - margin;
      floor = footerY + 10 * mm;
    }
    if (line)
      page.drawText(line, { x: margin, y: y - statementSize, size: statementSize, font: fonts.regular });
    y -= leading;
  }

  const pages = doc.getPages();
  pages.forEach((p, index) => {
    p.drawLine({
      start: { x: margin, y: footerY + 12 },
      end: { x: a4[0] - margin, y: footerY + 12 },
      thickness: 0.5,
      color: rule,
    });
    p.drawText(input.reference, { x: margin, y: footerY, size: 8, font: fonts.regular, color: muted });
    const count = `${index + 1} / ${pages.length}`;
    const width = fonts.regular.widthOfTextAtSize(count, 8);
    p.drawText(count, { x: a4[0] - margin - width, y: footerY, size: 8, font: fonts.regular, color: muted });
  });

  return doc.save();
}

async function drawQr(
  doc: PDFDocument,
  page: PDFPage,
  fonts: Fonts,
  input: OutputPdfInput,
  text: (s: string) => string,
) {
  const png = await QRCode.toBuffer(input.verificationUrl, {
    type: 'png',
    errorCorrectionLevel: 'M',
    margin: 4,
    scale: 4,
  });
  const image = await doc.embedPng(png);
  const bottom = footerY + 12 * mm;
  page.drawImage(image, { x: margin, y: bottom, width: qrSize, height: qrSize });

  const x = margin + qrSize + 8 * mm;
  const width = a4[0] - margin - x;
  const caption = wrap(text(input.labels.verify), fonts.regular, 10, width);
  const address = wrap(input.verificationUrl.split('#')[0]!, fonts.regular, 8, width);
  const height = caption.length * 14 + 4 + address.length * 11;
  const top = bottom + qrSize / 2 + height / 2;
  const below = drawLines(page, caption, fonts.regular, 10, 14, top, x);
  drawLines(page, address, fonts.regular, 8, 11, below - 4, x, muted);
}

/** Draws lines from `top` (the top of the first line) down; returns the y below the last. */
function drawLines(
  page: PDFPage,
  lines: string[],
  font: PDFFont,
  size: number,
  leading: number,
  top: number,
  x = margin,
  color = ink,
): number {
  let y = top;
  for (const line of lines) {
    if (line) page.drawText(line, { x, y: y - size, size, font, color });
    y -= leading;
  }
  return y;
}

/** Greedy word wrap; a word wider than the line (an address) is cut between characters. */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const fits = (s: string) => font.widthOfTextAtSize(s, size) <= width;
  const lines: string[] = [];
  for (const paragraph of text.replace(/\r\n?/g, '\n').split('\n')) {
    let line = '';
    for (const word of paragraph.split(/[ \t]+/).filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (fits(candidate)) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      line = '';
      for (const char of word) {
        if (line && !fits(line + char)) {
          lines.push(line);
          line = '';
        }
        line += char;
      }
    }
    lines.push(line);
  }
  return lines;
}

/**
 * An official document must not print a box where a letter was: text with a character the font
 * lacks is refused rather than shown wrong.
 */
function printableCheck(fonts: Fonts): (s: string) => string {
  const bold = new Set(fonts.bold.getCharacterSet());
  const covered = new Set(fonts.regular.getCharacterSet().filter((c) => bold.has(c)));
  return (s) => {
    for (const char of s) {
      const code = char.codePointAt(0)!;
      if (char !== '\n' && char !== '\r' && char !== '\t' && !covered.has(code)) {
        throw new Error(
          `the output's font cannot print U+${code.toString(16).toUpperCase().padStart(4, '0')}`,
        );
      }
    }
    return s;
  };
}

function dateFormatter(language: string, timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat([language, fallbackLocale], { dateStyle: 'long', timeZone });
}
