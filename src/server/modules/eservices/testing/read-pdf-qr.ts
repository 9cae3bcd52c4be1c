import { inflateSync } from 'node:zlib';
import jsqr from 'jsqr';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  type PDFObject,
  type PDFPage,
  PDFRawStream,
  PDFString,
} from 'pdf-lib';

/**
 * Reads an output PDF as a verifier would see it: the QR is decoded from the pixels of the images
 * drawn on the first page, never taken from the metadata.
 */
export async function readQrFromPdf(bytes: Uint8Array): Promise<string> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  const xObjects = doc.getPage(0).node.Resources()?.lookupMaybe(PDFName.of('XObject'), PDFDict);
  for (const [, value] of xObjects?.entries() ?? []) {
    const stream = doc.context.lookup(value);
    if (!(stream instanceof PDFRawStream) || stream.dict.get(PDFName.of('Subtype')) !== PDFName.of('Image')) {
      continue;
    }
    const image = decodeImage(doc, stream);
    // jsqr is CommonJS typed as `export default`: its function is module.exports.default.
    const qr = jsqr.default(image.rgba, image.width, image.height);
    if (qr) return qr.data;
  }
  throw new Error('no QR code in the images of the first page');
}

/** The document information an output sets (and the catalog's language). */
export async function readPdfInfo(bytes: Uint8Array) {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  const lang = doc.catalog.lookup(PDFName.of('Lang'));
  return {
    title: doc.getTitle(),
    subject: doc.getSubject(),
    keywords: doc.getKeywords(),
    author: doc.getAuthor(),
    producer: doc.getProducer(),
    language: lang instanceof PDFString || lang instanceof PDFHexString ? lang.decodeText() : undefined,
    pageCount: doc.getPageCount(),
  };
}

/**
 * The text shown on each page, one line per text object or positioning, mapped back to Unicode
 * through the fonts' ToUnicode maps. Enough for the PDFs pdf-lib writes, not a general extractor.
 */
export async function readPdfText(bytes: Uint8Array): Promise<string[]> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  return doc.getPages().map((page) => pageText(doc, page));
}

interface Image {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

function decodeImage(doc: PDFDocument, stream: PDFRawStream): Image {
  const width = numberOf(doc, stream.dict.get(PDFName.of('Width')));
  const height = numberOf(doc, stream.dict.get(PDFName.of('Height')));
  const bits = numberOf(doc, stream.dict.get(PDFName.of('BitsPerComponent')) ?? PDFNumber.of(8));
  const colors = componentCount(doc, stream.dict.get(PDFName.of('ColorSpace')));
  const samples = unpackSamples(streamData(doc, stream), width, height, colors, bits);
  const smask = doc.context.lookup(stream.dict.get(PDFName.of('SMask')));
  const alpha = smask instanceof PDFRawStream ? decodeImage(doc, smask) : undefined;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    // Composite over white paper, as a printer would.
    const a = alpha ? alpha.rgba[i * 4]! / 255 : 1;
    for (let c = 0; c < 3; c++) {
      const value = samples[i * colors + (colors === 1 ? 0 : c)]!;
      rgba[i * 4 + c] = Math.round(value * a + 255 * (1 - a));
    }
    rgba[i * 4 + 3] = 255;
  }
  return { width, height, rgba };
}

function componentCount(doc: PDFDocument, space: PDFObject | undefined): number {
  const resolved = doc.context.lookup(space);
  if (resolved === PDFName.of('DeviceGray') || resolved === PDFName.of('CalGray')) return 1;
  if (resolved === PDFName.of('DeviceRGB') || resolved === PDFName.of('CalRGB')) return 3;
  if (resolved === undefined) return 1; // a soft mask has no colour space: it is grey
  if (resolved instanceof PDFArray && resolved.lookup(0) === PDFName.of('ICCBased')) {
    const profile = resolved.lookup(1);
    if (profile instanceof PDFRawStream) return numberOf(doc, profile.dict.get(PDFName.of('N')));
  }
  throw new Error(`unsupported image colour space ${String(resolved)}`);
}

/** Samples scaled to 0..255, one byte per component. */
function unpackSamples(data: Uint8Array, width: number, height: number, colors: number, bits: number) {
  if (bits === 8) return data;
  if (bits !== 1 && bits !== 2 && bits !== 4) throw new Error(`unsupported ${bits} bits per component`);
  const rowBytes = Math.ceil((width * colors * bits) / 8);
  const max = (1 << bits) - 1;
  const out = new Uint8Array(width * height * colors);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * colors; i++) {
      const bit = i * bits;
      const byte = data[y * rowBytes + (bit >> 3)]!;
      out[y * width * colors + i] = Math.round((((byte >> (8 - bits - (bit & 7))) & max) * 255) / max);
    }
  }
  return out;
}

/** A stream's decoded bytes: no filter or FlateDecode, with PNG predictors undone. */
function streamData(doc: PDFDocument, stream: PDFRawStream): Uint8Array {
  const filter = doc.context.lookup(stream.dict.get(PDFName.of('Filter')));
  const filters = filter instanceof PDFArray ? filter.asArray().map((f) => doc.context.lookup(f)) : [filter];
  let data: Uint8Array = stream.contents;
  for (const f of filters) {
    if (f === undefined) continue;
    if (f !== PDFName.of('FlateDecode')) throw new Error(`unsupported stream filter ${String(f)}`);
    data = inflateSync(data);
  }
  const params = doc.context.lookup(stream.dict.get(PDFName.of('DecodeParms')));
  const parms = params instanceof PDFArray ? doc.context.lookup(params.get(0)) : params;
  if (!(parms instanceof PDFDict)) return data;
  const get = (key: string, fallback: number) => {
    const value = parms.get(PDFName.of(key));
    return value === undefined ? fallback : numberOf(doc, value);
  };
  const predictor = get('Predictor', 1);
  if (predictor === 1) return data;
  if (predictor < 10) throw new Error(`unsupported predictor ${predictor}`);
  return undoPngPredictor(data, get('Colors', 1), get('BitsPerComponent', 8), get('Columns', 1));
}

function undoPngPredictor(data: Uint8Array, colors: number, bits: number, columns: number): Uint8Array {
  const pixelBytes = Math.max(1, Math.ceil((colors * bits) / 8));
  const rowBytes = Math.ceil((colors * bits * columns) / 8);
  const rows = Math.floor(data.length / (rowBytes + 1));
  const out = new Uint8Array(rows * rowBytes);
  for (let y = 0; y < rows; y++) {
    const type = data[y * (rowBytes + 1)]!;
    const row = data.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
    const at = y * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const left = i >= pixelBytes ? out[at + i - pixelBytes]! : 0;
      const up = y > 0 ? out[at - rowBytes + i]! : 0;
      const upLeft = y > 0 && i >= pixelBytes ? out[at - rowBytes + i - pixelBytes]! : 0;
      let base = 0;
      if (type === 1) base = left;
      else if (type === 2) base = up;
      else if (type === 3) base = (left + up) >> 1;
      else if (type === 4) base = paeth(left, up, upLeft);
      else if (type !== 0) throw new Error(`bad PNG row filter ${type}`);
      out[at + i] = (row[i]! + base) & 0xff;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

function numberOf(doc: PDFDocument, value: PDFObject | undefined): number {
  const resolved = doc.context.lookup(value);
  if (!(resolved instanceof PDFNumber)) throw new Error(`expected a number, found ${String(resolved)}`);
  return resolved.asNumber();
}

type Operand = number | string | { name: string } | { bytes: string } | Operand[];

/** Maps a font's character codes to text, and how many bytes a code takes. */
interface FontDecoder {
  codeBytes: 1 | 2;
  unicode: Map<number, string>;
}

function pageText(doc: PDFDocument, page: PDFPage): string {
  const fonts = new Map<string, FontDecoder>();
  const fontDict = page.node.Resources()?.lookupMaybe(PDFName.of('Font'), PDFDict);
  for (const [name, ref] of fontDict?.entries() ?? []) {
    const font = doc.context.lookup(ref);
    if (font instanceof PDFDict) fonts.set(name.decodeText(), fontDecoder(doc, font));
  }
  const contents = page.node.Contents();
  const streams =
    contents instanceof PDFArray ? contents.asArray().map((c) => doc.context.lookup(c)) : [contents];
  const content = streams
    .filter((s): s is PDFRawStream => s instanceof PDFRawStream)
    .map((s) => Buffer.from(streamData(doc, s)).toString('latin1'))
    .join('\n');

  const lines: string[] = [];
  let line = '';
  let font: FontDecoder | undefined;
  const flush = () => {
    if (line.trim()) lines.push(line);
    line = '';
  };
  const show = (operand: Operand | undefined) => {
    if (operand && typeof operand === 'object' && 'bytes' in operand)
      line += decodeString(operand.bytes, font);
  };
  const stack: Operand[] = [];
  for (const token of tokenize(content)) {
    if (typeof token !== 'string') {
      stack.push(token);
      continue;
    }
    const operands = stack.splice(0);
    if (token === 'Tf') {
      const name = operands[0];
      font = name && typeof name === 'object' && 'name' in name ? fonts.get(name.name) : undefined;
    } else if (token === 'Tj' || token === "'" || token === '"') {
      if (token !== 'Tj') flush();
      show(operands.at(-1));
    } else if (token === 'TJ') {
      const items = operands[0];
      if (Array.isArray(items)) for (const item of items) show(item);
    } else if (['BT', 'ET', 'Td', 'TD', 'Tm', 'T*'].includes(token)) {
      flush();
    }
  }
  flush();
  return lines.join('\n');
}

function fontDecoder(doc: PDFDocument, font: PDFDict): FontDecoder {
  const codeBytes = font.get(PDFName.of('Subtype')) === PDFName.of('Type0') ? 2 : 1;
  const unicode = new Map<number, string>();
  const cmap = doc.context.lookup(font.get(PDFName.of('ToUnicode')));
  if (cmap instanceof PDFRawStream) {
    const text = Buffer.from(streamData(doc, cmap)).toString('latin1');
    const hex = (h: string) => Number.parseInt(h, 16);
    const utf16 = (h: string) => String.fromCharCode(...(h.match(/.{4}/g) ?? []).map(hex));
    for (const [, block] of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
      for (const [, code, target] of block!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
        unicode.set(hex(code!), utf16(target!));
      }
    }
    for (const [, block] of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      for (const [, from, to, target] of block!.matchAll(
        /<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g,
      )) {
        for (let code = hex(from!); code <= hex(to!); code++) {
          unicode.set(code, String.fromCodePoint(hex(target!) + code - hex(from!)));
        }
      }
    }
  }
  return { codeBytes, unicode };
}

function decodeString(bytes: string, font: FontDecoder | undefined): string {
  const width = font?.codeBytes ?? 1;
  let text = '';
  for (let i = 0; i + width <= bytes.length; i += width) {
    const code = width === 2 ? (bytes.charCodeAt(i) << 8) | bytes.charCodeAt(i + 1) : bytes.charCodeAt(i);
    // Without a ToUnicode entry, a one-byte code is read as Latin-1, close to WinAnsi for letters.
    text += font?.unicode.get(code) ?? (width === 1 ? String.fromCharCode(code) : '\uFFFD');
  }
  return text;
}

/** Content-stream tokens: operands as values, operators as strings. No inline images. */
function* tokenize(s: string): Generator<Operand> {
  const arrays: Operand[][] = [];
  const emit = function* (value: Operand): Generator<Operand> {
    const open = arrays.at(-1);
    if (open && typeof value !== 'string') open.push(value);
    else yield value;
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '%') {
      while (i < s.length && s[i] !== '\n' && s[i] !== '\r') i++;
    } else if (c === '[') {
      arrays.push([]);
      i++;
    } else if (c === ']') {
      const done = arrays.pop() ?? [];
      i++;
      yield* emit(done);
    } else if (c === '<' && s[i + 1] !== '<') {
      const end = s.indexOf('>', i);
      const hex = s.slice(i + 1, end).replace(/\s/g, '');
      i = end + 1;
      yield* emit({ bytes: Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex').toString('latin1') });
    } else if (c === '(') {
      const [bytes, end] = literalString(s, i);
      i = end;
      yield* emit({ bytes });
    } else if (c === '/') {
      const match = /^\/[^\s/[\]()<>{}%]*/.exec(s.slice(i, i + 256))![0];
      i += match.length;
      yield* emit({ name: match.slice(1) });
    } else {
      const match = /^[^\s/[\]()<>{}%]+|^(<<|>>|[{}])/.exec(s.slice(i, i + 256))?.[0] ?? c;
      i += match.length;
      const number = Number(match);
      yield* emit(Number.isNaN(number) ? match : number);
    }
  }
}

function literalString(s: string, start: number): [string, number] {
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };
  let depth = 0;
  let out = '';
  let i = start;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const next = s[++i]!;
      const octal = /^[0-7]{1,3}/.exec(s.slice(i, i + 3))?.[0];
      if (octal) {
        out += String.fromCharCode(Number.parseInt(octal, 8) & 0xff);
        i += octal.length - 1;
      } else if (next === '\n' || next === '\r') {
        if (next === '\r' && s[i + 1] === '\n') i++;
      } else {
        out += escapes[next] ?? next;
      }
      continue;
    }
    if (c === '(' && depth++ === 0) continue;
    if (c === ')' && --depth === 0) return [out, i + 1];
    out += c;
  }
  throw new Error('unterminated string in a content stream');
}
