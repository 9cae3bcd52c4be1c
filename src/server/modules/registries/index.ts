export {
  type Family,
  getFamily,
  getOrganisation,
  getPerson,
  listMyRecords,
  listOrganisations,
  listPeople,
  listRecords,
  type MyRecords,
  type Person,
  registryStats,
  renewDrivingLicence,
} from './registries.ts';
export { registriesRoutes } from './routes.ts';
export { createProgressBar, type ProgressBar } from './seed/progress.ts';
export {
  type DemoCitizen,
  demoCitizens,
  isSeeded,
  SeedRefused,
  type SeedSummary,
  seedDemoCountry,
} from './seed/seed.ts';
