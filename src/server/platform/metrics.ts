import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One registry per app instance, so several apps in one test process do not share counters. */
export function createMetrics() {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'jokko_' });
  const httpDuration = new Histogram({
    name: 'jokko_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [register],
  });
  return {
    register,
    contentType: register.contentType,
    observeRequest(method: string, route: string, statusCode: number, elapsedMs: number) {
      httpDuration.observe({ method, route, status_code: String(statusCode) }, elapsedMs / 1000);
    },
    render: () => register.metrics(),
    close: () => register.clear(),
  };
}
