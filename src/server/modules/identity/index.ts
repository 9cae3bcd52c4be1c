export { authenticateApiKey, createApiKey, revokeApiKey } from './api-keys.ts';
