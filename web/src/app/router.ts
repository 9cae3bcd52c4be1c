import { useEffect, useState } from 'react';

/** The super-app's few routes, in the path after /app. */
export const routes = ['', 'data', 'consents', 'tracker', 'inbox', 'settings'] as const;
export type Route = (typeof routes)[number];

const current = (): Route => {
  const path = location.pathname.replace(/^\/app\/?/, '').replace(/\/$/, '');
  return (routes as readonly string[]).includes(path) ? (path as Route) : '';
};

export function navigate(route: Route): void {
  history.pushState(null, '', route ? `/app/${route}` : '/app');
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(current);
  useEffect(() => {
    const update = () => setRoute(current());
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return route;
}
