import { useTranslation } from 'react-i18next';
import { ApiProblem } from './api.ts';

/** A failed load or action, said plainly; the problem's title for whoever needs the detail. */
export function ProblemAlert({ error }: { error: Error }) {
  const { t } = useTranslation();
  return (
    <p role="alert" className="alert">
      {t('superapp.error')}
      {error instanceof ApiProblem ? <small> ({error.title})</small> : null}
    </p>
  );
}
