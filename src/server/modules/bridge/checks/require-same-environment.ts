import { Problem } from '../../../platform/http/problems.ts';
import type { Check } from '../exchange.ts';

/** A sandbox member (a startup before promotion) reaches sandbox services, with synthetic data, only. */
export const requireSameEnvironment: Check = (exchange) => {
  const client = exchange.client?.environment;
  const service = exchange.service?.environment;
  if (client !== service)
    throw new Problem('bridge-environment-mismatch', `A ${client} member cannot call a ${service} service`);
};
