import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { i18next, i18nReady } from './i18n/index.ts';
import { Landing } from './landing/Landing.tsx';
import './styles.css';

import SuperApp from './app/App.tsx';

// The citizen super-app lives under /app, the landing page at /. The app's shell is in the first
// download (8 KB): on a slow network a lazy chunk would cost one more round trip before the
// sign-in screen; its screens are lazy. The back-office (/office) and the public pages
// (/verify, /verify/output, /services/performance) are their own chunks: citizens never download them.
const Office = lazy(() => import('./office/Office.tsx'));
const VerifyOutput = lazy(() => import('./public/VerifyOutput.tsx'));
const VerifyDocument = lazy(() => import('./public/VerifyDocument.tsx'));
const Performance = lazy(() => import('./public/Performance.tsx'));

const path = location.pathname;
const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

function Root() {
  if (under('/app')) return <SuperApp />;
  const page = under('/office') ? (
    <Office />
  ) : under('/verify/output') ? (
    <VerifyOutput />
  ) : under('/verify') ? (
    <VerifyDocument />
  ) : under('/services/performance') ? (
    <Performance />
  ) : undefined;
  return page ? <Suspense fallback={null}>{page}</Suspense> : <Landing />;
}

// A citizen who chose Wolof or English sees it from the first frame the app draws (French: at once).
void i18nReady.then(() => {
  document.documentElement.lang = i18next.language;
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <Root />
    </StrictMode>,
  );
});
