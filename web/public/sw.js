// The service worker of the super-app and of the document verifier (/verify registers it too). The
// page shell and every built asset are cached at install, so a repeat visit starts without the
// network (the verifier then checks documents with the lists it keeps); the citizen's own data
// (profile, records, consents, applications) and the procedures they were read with are cached as
// they are read, so what was already loaded opens offline. Signing out empties the data cache (the
// app posts 'sign-out'). Nothing else is cached: never a token, an attachment or a signed output (a
// PDF is saved by the citizen, not kept behind their back), nor the trust list or a status list
// (/v1/documents/*): the verifier keeps its own copies with the moment each was fetched, to say how
// fresh a verdict is and to refuse a list past its expiry; a copy here would answer offline with a
// date nobody sees.
const version = 'v5';
const shellCache = `jokko-shell-${version}`;
const dataCache = 'jokko-data';
const offlineData = [
  /^\/v1\/me$/,
  /^\/v1\/me\/records$/,
  /^\/v1\/me\/consents$/,
  /^\/v1\/me\/consent-requests$/,
  /^\/v1\/me\/inbox$/,
  /^\/v1\/me\/applications(\/[0-9a-f-]{36})?$/,
  // The catalogue and the definitions (public), which an application is read with.
  /^\/v1\/procedures$/,
  /^\/v1\/procedures\/(?!performance$)[a-z0-9-]+$/,
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(shellCache);
      const manifest = await fetch('/asset-manifest.json').then((r) => (r.ok ? r.json() : {}));
      const assets = new Set(['/app', '/verify', '/favicon.svg', '/app.webmanifest', '/verify.webmanifest']);
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
  // Pages of the app: the kept shell at once (a repeat visit waits for no network), refreshed in
  // the background for the next visit; a stale shell still works, as the assets it names are kept.
  // The verifier's pages: the network first, their kept shell when offline.
  const under = (prefix) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`);
  if (request.mode === 'navigate' && under('/app')) {
    if (url.pathname === '/app/callback') return;
    const fresh = fetch(request).then(async (res) => {
      if (res.ok) await (await caches.open(shellCache)).put('/app', res.clone());
      return res;
    });
    event.waitUntil(fresh.catch(() => undefined));
    event.respondWith(caches.match('/app').then((kept) => kept ?? fresh));
    return;
  }
  // The verifier keeps its own shell: the app's page is the sign-in screen drawn at build time.
  if (request.mode === 'navigate' && under('/verify')) {
    event.respondWith(
      fetch(request)
        .then(async (res) => {
          if (res.ok) await (await caches.open(shellCache)).put('/verify', res.clone());
          return res;
        })
        .catch(async () => (await caches.match('/verify')) ?? caches.match('/app')),
    );
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
  // The citizen's data: the network first, kept for offline; the copy when the network fails. The
  // key is the path and query without the token (a definition's version is its own); searches of
  // the catalogue are not kept (the app searches the kept catalogue when offline).
  if (offlineData.some((path) => path.test(url.pathname)) && !url.searchParams.has('q')) {
    const key = url.pathname + url.search;
    event.respondWith(
      fetch(request)
        .then(async (res) => {
          if (res.ok) await (await caches.open(dataCache)).put(key, res.clone());
          return res;
        })
        .catch(async () => (await caches.match(key, { cacheName: dataCache })) ?? Response.error()),
    );
  }
});
