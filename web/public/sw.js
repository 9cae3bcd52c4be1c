// The super-app's service worker. The app shell and every built asset are cached at install, so a
// repeat visit starts without the network; the citizen's own data (profile, records, consents)
// is cached as it is read, so what was already loaded opens offline. Signing out empties the
// data cache (the app posts 'sign-out'). Nothing else is cached, and never a token.
const version = 'v1';
const shellCache = `jokko-shell-${version}`;
const dataCache = 'jokko-data';
const offlineData = [
  '/v1/me',
  '/v1/me/records',
  '/v1/me/consents',
  '/v1/me/consent-requests',
  '/v1/me/inbox',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(shellCache);
      const manifest = await fetch('/asset-manifest.json').then((r) => (r.ok ? r.json() : {}));
      const assets = new Set(['/app', '/favicon.svg', '/app.webmanifest']);
      for (const entry of Object.values(manifest)) {
        assets.add(`/${entry.file}`);
        for (const css of entry.css ?? []) assets.add(`/${css}`);
      }
      await cache.addAll([...assets]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys())
        if (key.startsWith('jokko-shell-') && key !== shellCache) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'sign-out') event.waitUntil(caches.delete(dataCache));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  // Pages of the app: the network first (fresh shell), the cached shell when offline.
  if (request.mode === 'navigate' && (url.pathname === '/app' || url.pathname.startsWith('/app/'))) {
    if (url.pathname === '/app/callback') return;
    event.respondWith(fetch(request).catch(() => caches.match('/app')));
    return;
  }
  // Built assets never change under the same name: the cache first.
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ??
          fetch(request).then(async (res) => {
            if (res.ok) await (await caches.open(shellCache)).put(request, res.clone());
            return res;
          }),
      ),
    );
    return;
  }
  // The citizen's data: the network first, kept for offline; the copy when the network fails.
  if (offlineData.includes(url.pathname)) {
    event.respondWith(
      fetch(request)
        .then(async (res) => {
          if (res.ok) await (await caches.open(dataCache)).put(url.pathname, res.clone());
          return res;
        })
        .catch(async () => (await caches.match(url.pathname, { cacheName: dataCache })) ?? Response.error()),
    );
  }
});
