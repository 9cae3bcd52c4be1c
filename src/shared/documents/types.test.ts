import { describe, expect, it } from 'vitest';
import {
  claimDefinition,
  disclosablePaths,
  documentTypeIds,
  documentTypeOf,
  documentTypes,
  vctOf,
} from './types.ts';

const luminance = (hex: string) => {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
};
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
};

describe('document types', () => {
  it.each(documentTypeIds)('%s keeps WCAG AA contrast and speaks fr, wo and en', (type) => {
    const { display, name, claims } = documentTypes[type];
    expect(contrast(display.backgroundColor, display.textColor)).toBeGreaterThanOrEqual(4.5);
    for (const text of [name, ...claims.map((c) => c.label)])
      expect(Object.keys(text).sort()).toEqual(['en', 'fr', 'wo']);
  });

  it('makes each age threshold disclosable on its own', () => {
    expect(disclosablePaths('national-id')).toEqual([
      'given_name',
      'family_name',
      'birthdate',
      'birth_place',
      'sex',
      'nationality',
      'nin',
      'age_equal_or_over',
      'age_equal_or_over.18',
      'age_equal_or_over.21',
    ]);
    expect(claimDefinition('national-id', 'age_equal_or_over.18')?.label.fr).toBe('18 ans ou plus');
  });

  it('names a type by a vct on any platform URL', () => {
    const vct = vctOf('https://jokko.example/', 'driving-licence');
    expect(vct).toBe('https://jokko.example/vct/driving-licence');
    expect(documentTypeOf(vct)).toBe('driving-licence');
    expect(documentTypeOf('https://elsewhere.example/vct/passport')).toBeUndefined();
  });
});
