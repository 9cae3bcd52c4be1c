import { letterPair } from './letters.ts';
import type { DemoData } from './types.ts';

/** Azerbaijan: common names (surname stems take -ova for women), real agencies, fictional banks. */
export const azerbaijanDemo: DemoData = {
  maleGivenNames: [
    'Elvin', 'Rashad', 'Orxan', 'Murad', 'Kamran', 'Tural', 'Elnur', 'Ramil', 'Anar', 'Vüqar',
    'Farid', 'Ilkin', 'Nicat', 'Samir', 'Emin', 'Ruslan', 'Rauf', 'Elşən', 'Zaur', 'Mahir',
  ],
  femaleGivenNames: [
    'Aysel', 'Leyla', 'Günel', 'Nigar', 'Aynur', 'Sevinc', 'Nərmin', 'Səbinə', 'Lalə', 'Fidan',
    'Könül', 'Aytən', 'Ülviyyə', 'Xədicə', 'Zəhra', 'Nurlana', 'Aida', 'Gülnar', 'Şəbnəm', 'Təranə',
  ],
  familyNames: [
    'Məmmədov', 'Əliyev', 'Həsənov', 'Hüseynov', 'Quliyev', 'İsmayılov', 'Abbasov', 'Babayev', 'Rzayev', 'Cəfərov',
    'Nəsirov', 'Orucov', 'Qasımov', 'Kərimov', 'Süleymanov', 'Vəliyev', 'Sadıqov', 'Rüstəmov', 'Mustafayev', 'Əhmədov',
  ],
  feminineFamilyName: (name) => (/(ov|yev|ev)$/.test(name) ? `${name}a` : name),
  localities: {},
  streets: ['Nizami küçəsi', 'Füzuli küçəsi', 'Azadlıq prospekti', 'Heydər Əliyev prospekti', 'Səməd Vurğun küçəsi'],
  emailDomains: ['gmail.com', 'mail.ru', 'box.az'],
  vehicles: [
    { make: 'Toyota', model: 'Prius', category: 'car' }, { make: 'Hyundai', model: 'Elantra', category: 'car' },
    { make: 'Kia', model: 'Rio', category: 'car' }, { make: 'LADA', model: 'Granta', category: 'car' },
    { make: 'Mercedes-Benz', model: 'E 200', category: 'car' }, { make: 'Khazar', model: 'LM', category: 'car' },
  ],
  colours: ['ağ', 'qara', 'boz', 'göy', 'qırmızı'],
  plate: (code, serial) => `${code}-${letterPair(Math.floor(serial / 1000))}-${String(serial % 1000).padStart(3, '0')}`,
  institutions: {
    school: ['Bakı 6 nömrəli tam orta məktəb', 'Gəncə 2 nömrəli tam orta məktəb', 'Sumqayıt 11 nömrəli tam orta məktəb'],
    university: ['Bakı Dövlət Universiteti', 'Azərbaycan Dövlət Neft və Sənaye Universiteti', 'ADA Universiteti', 'Gəncə Dövlət Universiteti'],
  },
  diplomas: [
    { type: 'Ümumi orta təhsil attestatı', level: 'school', minAge: 15, fields: ['Ümumi orta təhsil'] },
    { type: 'Tam orta təhsil attestatı', level: 'school', minAge: 17, fields: ['Tam orta təhsil'] },
    { type: 'Bakalavr', level: 'university', minAge: 21, fields: ['Hüquq', 'İqtisadiyyat', 'Kompüter elmləri', 'Neft mühəndisliyi'] },
    { type: 'Magistr', level: 'university', minAge: 23, fields: ['Maliyyə', 'Beynəlxalq münasibətlər'] },
  ],
  employers: ['SOCAR', 'Azərişıq', 'Azercell', 'Bakı Metropoliteni', 'Azərbaycan Hava Yolları'],
  registryOwners: {
    people: 'DIN', organisations: 'IRIA', vehicles: 'DIN', 'driving-licences': 'DIN', 'land-titles': 'EMDX',
    'tax-records': 'DVX', diplomas: 'ETN', 'pension-records': 'DSMF',
  },
  pensionSchemes: { private: 'DSMF', public: 'DSMF' },
  landUses: ['yaşayış', 'kommersiya', 'kənd təsərrüfatı'],
  organisations: [
    { identifier: 'DIN', kind: 'administration', name: 'Ministry of Internal Affairs', shortName: 'DİN', email: 'info@mia.gov.az', phone: '+994125900000', fictional: false },
    { identifier: 'DVX', kind: 'administration', name: 'State Tax Service', shortName: 'DVX', email: 'info@taxes.gov.az', phone: '+994124030000', fictional: false },
    { identifier: 'ASAN', kind: 'administration', name: 'ASAN Service (State Agency for Public Service and Social Innovations)', shortName: 'ASAN', email: 'info@asan.gov.az', phone: '+994124040000', fictional: false },
    { identifier: 'DSMF', kind: 'administration', name: 'State Social Protection Fund', shortName: 'DSMF', email: 'info@sspf.gov.az', phone: '+994124050000', fictional: false },
    { identifier: 'ETN', kind: 'administration', name: 'Ministry of Science and Education', shortName: 'ETN', email: 'info@edu.gov.az', phone: '+994124060000', fictional: false },
    { identifier: 'EMDX', kind: 'administration', name: 'State Service on Property Issues', shortName: 'ƏMDX', email: 'info@emdx.gov.az', phone: '+994124070000', fictional: false },
    { identifier: 'IRIA', kind: 'operator', name: 'Innovation and Digital Development Agency', shortName: 'IRIA', email: 'info@idda.az', phone: '+994124080000', fictional: false },
    { identifier: 'XAZARBANK', kind: 'bank', name: 'Xəzər Bank (fictional)', shortName: 'Xəzər Bank', email: 'api@xezerbank.example', phone: '+994125100001', fictional: true },
    { identifier: 'ODLARBANK', kind: 'bank', name: 'Odlar Kredit (fictional)', shortName: 'Odlar Kredit', email: 'api@odlar.example', phone: '+994125100002', fictional: true },
    { identifier: 'ALOV', kind: 'startup', name: 'Alov Labs (fictional)', shortName: 'Alov Labs', email: 'dev@alov.example', phone: '+994505100003', fictional: true },
  ],
};
