import { useEffect, useState } from 'react';

/** The super-app's few routes, in the path after /app. */
export const routes = [
  '',
  'documents',
  'services',
  'data',
  'consents',
  'tracker',
  'inbox',
  'settings',
] as const;
export type Route = (typeof routes)[number];
/** A route, or a route with one item under it (an application `services/<uuid>`, a document `documents/<uuid>`). */
export type Path = Route | `services/${string}` | `documents/${string}`;

export interface Location {
  route: Route;
  /** The item under the route, e.g. an application's id. */
  item?: string;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const current = (): Location => {
  const path = location.pathname.replace(/^\/app\/?/, '').replace(/\/$/, '');
  if ((routes as readonly string[]).includes(path)) return { route: path as Route };
  const [route, item, ...rest] = path.split('/');
  // Only an application or a document has an item, and only a well-formed id is one; anything else is home.
  if ((route === 'services' || route === 'documents') && item && uuid.test(item) && !rest.length)
    return { route, item };
  return { route: '' };
};

export function navigate(path: Path): void {
  history.pushState(null, '', path ? `/app/${path}` : '/app');
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useLocation(): Location {
  const [at, setAt] = useState<Location>(current);
  useEffect(() => {
    const update = () => setAt(current());
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return at;
}

export function useRoute(): Route {
  return useLocation().route;
}
