import { ApiProblem } from './api.ts';
import { useOfficeTranslation } from './i18n.ts';

/**
 * A refusal said plainly in the agent's language, with the API's own explanation (the problem's
 * `detail`, RFC 9457) beneath it: the procedure's rule, the allowed decisions, the missing field.
 */
export function ProblemMessage({ error }: { error: Error }) {
  const { t } = useOfficeTranslation();
  const problem = error instanceof ApiProblem ? error : undefined;
  const summary = problem
    ? t(`problem.${problem.slug}`, { defaultValue: t('problem.default') })
    : t('problem.network');
  return (
    <div role="alert" className="office-alert">
      <p>{summary}</p>
      {problem?.detail && (
        <p className="office-problem-detail">{t('problem.detail', { detail: problem.detail })}</p>
      )}
    </div>
  );
}
