import type { CountryProfile } from './profile.ts';

/**
 * Azerbaijan, the second profile that keeps the code country-neutral. Regions are a selection of
 * cities and districts with their ISO 3166-2:AZ codes and the number prefixes of their licence
 * plates; population shares are approximate.
 */
export const azerbaijan: CountryProfile = {
  code: 'AZ',
  name: { az: 'Azərbaycan', en: 'Azerbaijan' },
  languages: { default: 'az', others: ['en'] },
  currency: { code: 'AZN', minorUnits: 2, symbol: '₼' },
  timeZone: 'Asia/Baku',
  phone: {
    countryCallingCode: '994',
    nationalNumberLength: 9,
    mobilePrefixes: ['10', '50', '51', '55', '60', '70', '77', '99'],
    landlinePrefixes: ['12'],
    example: '+994 50 123 45 67',
  },
  nationalId: {
    name: 'FIN',
    label: { az: 'Fərdi identifikasiya nömrəsi (FİN)', en: 'Personal identification number (FIN)' },
    pattern: '^[0-9A-Z]{7}$',
    length: 7,
    checkRule: { kind: 'none' },
    note: 'The FIN is 7 Latin capital letters and digits printed on the ID card; no check rule is published.',
  },
  businessId: {
    name: 'VOEN',
    pattern: '^[0-9]{10}$',
    note: 'Taxpayer identification number (VÖEN), 10 digits.',
  },
  regions: [
    {
      code: 'AZ-BA',
      name: 'Bakı',
      plateCode: '10',
      populationShare: 0.5,
      departments: [
        { code: 'BA-NSM', name: 'Nəsimi' },
        { code: 'BA-NRM', name: 'Nərimanov' },
        { code: 'BA-YSM', name: 'Yasamal' },
        { code: 'BA-SBL', name: 'Səbail' },
        { code: 'BA-XTA', name: 'Xətai' },
      ],
    },
    {
      code: 'AZ-GA',
      name: 'Gəncə',
      plateCode: '20',
      populationShare: 0.1,
      departments: [
        { code: 'GA-KPZ', name: 'Kəpəz' },
        { code: 'GA-NZM', name: 'Nizami' },
      ],
    },
    {
      code: 'AZ-SM',
      name: 'Sumqayıt',
      plateCode: '50',
      populationShare: 0.1,
      departments: [{ code: 'SM-SMQ', name: 'Sumqayıt' }],
    },
    {
      code: 'AZ-LA',
      name: 'Lənkəran',
      plateCode: '42',
      populationShare: 0.06,
      departments: [{ code: 'LA-LNK', name: 'Lənkəran' }],
    },
    {
      code: 'AZ-SA',
      name: 'Şəki',
      plateCode: '55',
      populationShare: 0.05,
      departments: [{ code: 'SA-SKI', name: 'Şəki' }],
    },
    {
      code: 'AZ-MI',
      name: 'Mingəçevir',
      plateCode: '45',
      populationShare: 0.04,
      departments: [{ code: 'MI-MNG', name: 'Mingəçevir' }],
    },
    {
      code: 'AZ-SR',
      name: 'Şirvan',
      plateCode: '77',
      populationShare: 0.03,
      departments: [{ code: 'SR-SRV', name: 'Şirvan' }],
    },
    {
      code: 'AZ-QBA',
      name: 'Quba',
      plateCode: '40',
      populationShare: 0.05,
      departments: [{ code: 'QBA-QUB', name: 'Quba' }],
    },
    {
      code: 'AZ-QAB',
      name: 'Qəbələ',
      plateCode: '29',
      populationShare: 0.03,
      departments: [{ code: 'QAB-QBL', name: 'Qəbələ' }],
    },
    {
      code: 'AZ-SKR',
      name: 'Şəmkir',
      plateCode: '69',
      populationShare: 0.04,
      departments: [{ code: 'SKR-SMK', name: 'Şəmkir' }],
    },
  ],
};
