import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Language, languages, setLanguage } from '../../i18n/index.ts';
import { formatDate } from '../format.ts';
import { SignOutButton } from '../SignOut.tsx';
import { useApi } from '../useApi.ts';
import { ConnectedApps } from './ConnectedApps.tsx';
import { ContactDetails } from './ContactDetails.tsx';
import { Devices } from './Devices.tsx';
import { AddPasskey } from './Passkeys.tsx';
import { ChangePassword } from './Password.tsx';
import { Sessions } from './Sessions.tsx';
import { AddTotp } from './Totp.tsx';

interface Factor {
  id: string;
  kind: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export default function Settings() {
  const { t, i18n } = useTranslation();
  const me = useApi<{ accountId: string; nin: string; factors: Factor[] }>('/me');
  const passkeys = me.data?.factors.filter((f) => f.kind === 'passkey') ?? [];
  // A password change signs out the other sessions: the list is drawn again after one.
  const [passwordChanges, setPasswordChanges] = useState(0);
  return (
    <>
      <h1>{t('superapp.settings.title')}</h1>
      <section className="card" aria-labelledby="lang-title">
        <h2 id="lang-title">{t('superapp.settings.language')}</h2>
        <fieldset className="choices">
          <legend className="visually-hidden">{t('superapp.settings.language')}</legend>
          {languages.map((l) => (
            <label key={l.code} lang={l.code}>
              <input
                type="radio"
                name="language"
                checked={i18n.language === l.code}
                onChange={() => void setLanguage(l.code as Language)}
              />
              {l.name}
            </label>
          ))}
        </fieldset>
      </section>
      <ContactDetails />
      <section className="card" aria-labelledby="security-title">
        <h2 id="security-title">{t('superapp.settings.security')}</h2>
        <ul>
          {/* Passkeys are listed with the devices, with when they were last used. */}
          {me.data?.factors
            .filter((f) => f.kind !== 'passkey')
            .map((f) => (
              <li key={f.id}>
                {t(`superapp.settings.factor.${f.kind}`, { defaultValue: f.kind })}
                {f.name ? ` — ${f.name}` : ''} <small>{formatDate(f.createdAt)}</small>
              </li>
            ))}
        </ul>
        {me.data?.factors.length === 0 && (
          <>
            <p>{t('superapp.settings.noFactor')}</p>
            <AddTotp onAdded={() => void me.reload()} />
          </>
        )}
        <AddPasskey onAdded={() => void me.reload()} />
      </section>
      <ChangePassword nin={me.data?.nin} onChanged={() => setPasswordChanges((n) => n + 1)} />
      <Devices accountId={me.data?.accountId} passkeys={passkeys} />
      <Sessions key={passwordChanges} />
      <ConnectedApps />
      <SignOutButton />
    </>
  );
}
