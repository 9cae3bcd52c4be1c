import type { CountryProfile } from './profile.ts';

/**
 * Senegal. Regions use their ISO 3166-2:SN codes; departments follow the 2008 and later
 * reforms (Keur Massar split from Pikine in 2021). Population shares are rounded from the 2023
 * census (RGPH-5) and only shape the synthetic population.
 */
export const senegal: CountryProfile = {
  code: 'SN',
  name: { fr: 'Sénégal', wo: 'Senegaal', en: 'Senegal' },
  languages: { default: 'fr', others: ['wo', 'en'] },
  currency: { code: 'XOF', minorUnits: 0, symbol: 'FCFA' },
  timeZone: 'Africa/Dakar',
  phone: {
    countryCallingCode: '221',
    nationalNumberLength: 9,
    mobilePrefixes: ['70', '71', '75', '76', '77', '78'],
    landlinePrefixes: ['33'],
    example: '+221 77 123 45 67',
  },
  nationalId: {
    name: 'NIN',
    label: {
      fr: "Numéro d'identification nationale (NIN)",
      wo: 'Nimero identite nasiyonaal (NIN)',
      en: 'National identification number (NIN)',
    },
    pattern: '^[12][0-9]{12}$',
    length: 13,
    checkRule: { kind: 'none' },
    sexDigit: { position: 0, male: '1', female: '2' },
    note:
      'Public descriptions of the ECOWAS biometric card give 13 digits with the first digit for sex (1 male, 2 female). ' +
      'The check rule is not published, so none is enforced; a deployment with the official rule sets checkRule.',
  },
  businessId: {
    name: 'NINEA',
    pattern: '^[0-9]{7,9}[0-9A-Z]{0,3}$',
    note: 'NINEA: 7 to 9 digits, often followed by a tax code letter and digit; format approximate.',
  },
  regions: [
    {
      code: 'SN-DK',
      name: 'Dakar',
      plateCode: 'DK',
      populationShare: 0.23,
      departments: [
        { code: 'DK-DAK', name: 'Dakar' },
        { code: 'DK-PIK', name: 'Pikine' },
        { code: 'DK-GUE', name: 'Guédiawaye' },
        { code: 'DK-RUF', name: 'Rufisque' },
        { code: 'DK-KMS', name: 'Keur Massar' },
      ],
    },
    {
      code: 'SN-TH',
      name: 'Thiès',
      plateCode: 'TH',
      populationShare: 0.13,
      departments: [
        { code: 'TH-THI', name: 'Thiès' },
        { code: 'TH-MBO', name: 'Mbour' },
        { code: 'TH-TIV', name: 'Tivaouane' },
      ],
    },
    {
      code: 'SN-DB',
      name: 'Diourbel',
      plateCode: 'DB',
      populationShare: 0.11,
      departments: [
        { code: 'DB-DIO', name: 'Diourbel' },
        { code: 'DB-BAM', name: 'Bambey' },
        { code: 'DB-MBA', name: 'Mbacké' },
      ],
    },
    {
      code: 'SN-KL',
      name: 'Kaolack',
      plateCode: 'KL',
      populationShare: 0.07,
      departments: [
        { code: 'KL-KAO', name: 'Kaolack' },
        { code: 'KL-GUI', name: 'Guinguinéo' },
        { code: 'KL-NIO', name: 'Nioro du Rip' },
      ],
    },
    {
      code: 'SN-SL',
      name: 'Saint-Louis',
      plateCode: 'SL',
      populationShare: 0.06,
      departments: [
        { code: 'SL-STL', name: 'Saint-Louis' },
        { code: 'SL-DAG', name: 'Dagana' },
        { code: 'SL-POD', name: 'Podor' },
      ],
    },
    {
      code: 'SN-LG',
      name: 'Louga',
      plateCode: 'LG',
      populationShare: 0.06,
      departments: [
        { code: 'LG-LOU', name: 'Louga' },
        { code: 'LG-KEB', name: 'Kébémer' },
        { code: 'LG-LIN', name: 'Linguère' },
      ],
    },
    {
      code: 'SN-FK',
      name: 'Fatick',
      plateCode: 'FK',
      populationShare: 0.05,
      departments: [
        { code: 'FK-FAT', name: 'Fatick' },
        { code: 'FK-FOU', name: 'Foundiougne' },
        { code: 'FK-GOS', name: 'Gossas' },
      ],
    },
    {
      code: 'SN-KA',
      name: 'Kaffrine',
      plateCode: 'KA',
      populationShare: 0.04,
      departments: [
        { code: 'KA-KAF', name: 'Kaffrine' },
        { code: 'KA-BIR', name: 'Birkilane' },
        { code: 'KA-KOU', name: 'Koungheul' },
        { code: 'KA-MAL', name: 'Malem-Hodar' },
      ],
    },
    {
      code: 'SN-TC',
      name: 'Tambacounda',
      plateCode: 'TC',
      populationShare: 0.05,
      departments: [
        { code: 'TC-TAM', name: 'Tambacounda' },
        { code: 'TC-BAK', name: 'Bakel' },
        { code: 'TC-GOU', name: 'Goudiry' },
        { code: 'TC-KOU', name: 'Koumpentoum' },
      ],
    },
    {
      code: 'SN-KD',
      name: 'Kolda',
      plateCode: 'KD',
      populationShare: 0.05,
      departments: [
        { code: 'KD-KOL', name: 'Kolda' },
        { code: 'KD-MYF', name: 'Médina Yoro Foulah' },
        { code: 'KD-VEL', name: 'Vélingara' },
      ],
    },
    {
      code: 'SN-ZG',
      name: 'Ziguinchor',
      plateCode: 'ZG',
      populationShare: 0.04,
      departments: [
        { code: 'ZG-ZIG', name: 'Ziguinchor' },
        { code: 'ZG-BIG', name: 'Bignona' },
        { code: 'ZG-OUS', name: 'Oussouye' },
      ],
    },
    {
      code: 'SN-MT',
      name: 'Matam',
      plateCode: 'MT',
      populationShare: 0.04,
      departments: [
        { code: 'MT-MAT', name: 'Matam' },
        { code: 'MT-KAN', name: 'Kanel' },
        { code: 'MT-RAN', name: 'Ranérou-Ferlo' },
      ],
    },
    {
      code: 'SN-SE',
      name: 'Sédhiou',
      plateCode: 'SE',
      populationShare: 0.03,
      departments: [
        { code: 'SE-SED', name: 'Sédhiou' },
        { code: 'SE-BOU', name: 'Bounkiling' },
        { code: 'SE-GOU', name: 'Goudomp' },
      ],
    },
    {
      code: 'SN-KE',
      name: 'Kédougou',
      plateCode: 'KE',
      populationShare: 0.01,
      departments: [
        { code: 'KE-KED', name: 'Kédougou' },
        { code: 'KE-SAL', name: 'Salémata' },
        { code: 'KE-SAR', name: 'Saraya' },
      ],
    },
  ],
};
