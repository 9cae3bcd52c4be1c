import { azerbaijanDemo } from './az.ts';
import { senegalDemo } from './sn.ts';
import type { DemoData } from './types.ts';

export type { DemoData, DemoOrganisation } from './types.ts';

const demoData: Record<string, DemoData> = { SN: senegalDemo, AZ: azerbaijanDemo };

export function getDemoData(countryCode: string): DemoData {
  const data = demoData[countryCode.toUpperCase()];
  if (!data) throw new Error(`no demo data for country profile "${countryCode}"`);
  return data;
}
