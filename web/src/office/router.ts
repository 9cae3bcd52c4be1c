import { useEffect, useState } from 'react';

/** The back-office's pages, from the path after /office: the queue, or one application. */
export type Route = { page: 'queue'; search: string } | { page: 'application'; id: string };

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function current(): Route {
  const match = /^\/office\/applications\/([^/]+)\/?$/.exec(location.pathname);
  // A malformed id is shown as "not found" too: the API would answer 400, the agent needs one word.
  if (match) return { page: 'application', id: uuid.test(match[1]!) ? match[1]! : 'not-an-id' };
  return { page: 'queue', search: location.search };
}

export const queuePath = (search = '') => `/office${search}`;

/** The queue as the agent last filtered it: "back to the queue" returns there. */
let lastQueueSearch = '';
export const rememberQueue = (search: string) => {
  lastQueueSearch = search;
};
export const lastQueuePath = () => queuePath(lastQueueSearch);
export const applicationPath = (id: string) => `/office/applications/${id}`;

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
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
