import { useTranslation } from 'react-i18next';
import { signOut } from './auth.ts';

export function SignOutButton() {
  const { t } = useTranslation();
  return (
    <button type="button" className="secondary" onClick={signOut}>
      {t('superapp.signOut')}
    </button>
  );
}
