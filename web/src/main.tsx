import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { i18next } from './i18n/index.ts';
import { Landing } from './landing/Landing.tsx';
import './styles.css';

import SuperApp from './app/App.tsx';

// The citizen super-app lives under /app, the landing page at /. The app's shell is in the first
// download (8 KB): on a slow network a lazy chunk would cost one more round trip before the
// sign-in screen; its screens are lazy.
const inApp = location.pathname === '/app' || location.pathname.startsWith('/app/');

document.documentElement.lang = i18next.language;
createRoot(document.getElementById('root')!).render(
  <StrictMode>{inApp ? <SuperApp /> : <Landing />}</StrictMode>,
);
