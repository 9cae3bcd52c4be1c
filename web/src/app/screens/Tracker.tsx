import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ExchangeProof } from '../../../../src/shared/audit/evidence.ts';
import {
  checkExchangeInLog,
  type ExchangeInLog,
  type WitnessState,
} from '../../../../src/shared/audit/witness.ts';
import { api, download } from '../api.ts';
import { formatDateTime, formatNumber } from '../format.ts';
import { ProblemAlert } from '../Problem.tsx';
import { useApi } from '../useApi.ts';
import { partnerLabel, serviceLabel } from './labels.ts';

interface Access {
  id: string;
  at: string;
  client: string;
  organisation: string | null;
  service: string;
  basis: string | null;
  status: number;
  refused: boolean;
}

/**
 * The log's head and keys this phone last saw: public data (hashes and public keys), kept so that
 * every check is also a witness's check that the log only grew since.
 */
const witnessKey = 'jokko.audit.witness';
const keptWitness = (): WitnessState | undefined => {
  try {
    return JSON.parse(localStorage.getItem(witnessKey) ?? 'null') ?? undefined;
  } catch {
    return undefined;
  }
};

type Check = { kind: 'checking' } | { kind: 'done'; result: ExchangeInLog } | { kind: 'unavailable' };

/** Checks on this phone that the exchange is in the transparency log (the server's word is not taken). */
function LogCheck({ access, describedBy }: { access: Access; describedBy: string }) {
  const { t } = useTranslation();
  const [check, setCheck] = useState<Check>();
  const run = async () => {
    setCheck({ kind: 'checking' });
    try {
      const proof = await api<ExchangeProof>('GET', `/me/data-accesses/${access.id}/proof`);
      const state = keptWitness();
      const result = await checkExchangeInLog({
        log: `${location.origin}/v1/audit`,
        proof,
        ...(state ? { state } : {}),
      });
      if (result.ok) localStorage.setItem(witnessKey, JSON.stringify(result.state));
      setCheck({ kind: 'done', result });
    } catch {
      setCheck({ kind: 'unavailable' });
    }
  };
  const result = check?.kind === 'done' ? check.result : undefined;
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={() => void run()}
        disabled={check?.kind === 'checking'}
        aria-describedby={describedBy}
      >
        {check?.kind === 'checking' ? t('superapp.tracker.checking') : t('superapp.tracker.check')}
      </button>
      <p role="status" className={result ? (result.ok ? 'log-check ok' : 'log-check failed') : 'log-check'}>
        {result?.ok
          ? t('superapp.tracker.inLog', {
              date: formatDateTime(result.treeHead.issuedAt),
              size: formatNumber(result.treeHead.treeSize, 0),
            })
          : result
            ? t('superapp.tracker.proofFailed', { step: t(`superapp.tracker.steps.${result.failed}`) })
            : check?.kind === 'unavailable'
              ? t('superapp.tracker.proofUnavailable')
              : null}
      </p>
    </>
  );
}

function AccessItem({ access: a }: { access: Access }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <li className={a.refused ? 'card refused' : 'card'}>
      <strong id={id}>{a.organisation ?? partnerLabel(a.client)}</strong>
      <span>{serviceLabel(t, a.service)}</span>
      <time dateTime={a.at}>{formatDateTime(a.at)}</time>
      <span>
        {a.refused
          ? t('superapp.tracker.refused')
          : a.basis && /^[0-9a-f-]{36}$/.test(a.basis)
            ? t('superapp.tracker.underConsent')
            : t('superapp.tracker.underLaw', { basis: a.basis ?? '' })}
      </span>
      <LogCheck access={a} describedBy={id} />
    </li>
  );
}

/** Who read (or tried to read) my data through the bridge, when and under what. */
export default function Tracker() {
  const { t } = useTranslation();
  const accesses = useApi<{ items: Access[] }>('/me/data-accesses?limit=100');
  const [error, setError] = useState<Error>();
  return (
    <>
      <h1>{t('superapp.tracker.title')}</h1>
      <p>{t('superapp.tracker.intro')}</p>
      {(accesses.error || error) && <ProblemAlert error={(accesses.error ?? error)!} />}
      <button
        type="button"
        className="secondary"
        onClick={() =>
          download('/me/data-accesses?format=csv&limit=500', 'jokko-data-accesses.csv').catch(setError)
        }
      >
        {t('superapp.tracker.export')}
      </button>
      {accesses.data?.items.length === 0 && <p>{t('superapp.tracker.none')}</p>}
      {accesses.data?.items.length ? <p className="hint">{t('superapp.tracker.logIntro')}</p> : null}
      <ul className="accesses">
        {accesses.data?.items.map((a) => (
          <AccessItem key={a.id} access={a} />
        ))}
      </ul>
    </>
  );
}
