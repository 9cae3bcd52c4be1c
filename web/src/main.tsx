import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { i18next } from './i18n/index.ts';
import { Landing } from './landing/Landing.tsx';
import './styles.css';

document.documentElement.lang = i18next.language;
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Landing />
  </StrictMode>,
);
