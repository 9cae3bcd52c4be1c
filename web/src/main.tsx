import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { i18next } from './i18n/index.ts';
import { Landing } from './landing/Landing.tsx';
import './styles.css';

// The citizen super-app lives under /app and loads as its own chunk; / stays the landing page.
const SuperApp = lazy(() => import('./app/App.tsx'));
const inApp = location.pathname === '/app' || location.pathname.startsWith('/app/');

document.documentElement.lang = i18next.language;
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {inApp ? (
      <Suspense fallback={null}>
        <SuperApp />
      </Suspense>
    ) : (
      <Landing />
    )}
  </StrictMode>,
);
