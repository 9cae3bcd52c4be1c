import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDate, formatNumber, formatPercent } from '../app/format.ts';
import { ns } from './i18n.ts';
import { PublicPage } from './PublicPage.tsx';

interface Item {
  procedure: { id: string; title: Record<string, string>; owner: string };
  submitted: number;
  perDay: number;
  decided: number;
  medianDays: number | null;
  p90Days: number | null;
  withinTarget: number | null;
  online: number | null;
  targetDays: number;
}
interface Report {
  since: string;
  until: string;
  items: Item[];
}

const periods = [7, 30, 90, 365];
const colours = { bar: '#005c3a', track: '#e3e8e5', p90: '#6b9e86', target: '#a4161a' };

/** One horizontal bar: `value` out of `max`, drawn in a 100-wide box stretched to the row. */
function Bar({ value, max, children }: { value: number; max: number; children?: ReactNode }) {
  const width = max > 0 ? Math.min(100, (value / max) * 100) : 0;
  return (
    <svg viewBox="0 0 100 10" preserveAspectRatio="none" focusable="false" aria-hidden="true">
      <rect x="0" y="0" width="100" height="10" fill={colours.track} />
      <rect x="0" y="0" width={width} height="10" fill={colours.bar} />
      {children}
    </svg>
  );
}

const Swatch = ({ colour }: { colour: string }) => (
  <svg viewBox="0 0 10 10" focusable="false" aria-hidden="true">
    <rect width="10" height="10" fill={colour} />
  </svg>
);

/**
 * /services/performance: the figures a public service publishes about itself (volume, time to a
 * decision against the target, share on time), drawn as plain SVG bars; each chart has a table for
 * screen readers with the same figures.
 */
export default function Performance() {
  const { t, i18n } = useTranslation(ns);
  const [days, setDays] = useState(30);
  const [report, setReport] = useState<Report>();
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let live = true;
    fetch(`/v1/procedures/performance?days=${days}`, { headers: { accept: 'application/json' } })
      .then((res) => (res.ok ? (res.json() as Promise<Report>) : Promise.reject(new Error(res.statusText))))
      .then((r) => {
        if (!live) return;
        setReport(r);
        setFailed(false);
      })
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [days]);

  const title = (item: Item) =>
    item.procedure.title[i18n.language] ?? item.procedure.title.fr ?? item.procedure.id;
  const items = [...(report?.items ?? [])].sort(
    (a, b) => b.submitted - a.submitted || title(a).localeCompare(title(b)),
  );
  const maxPerDay = Math.max(0, ...items.map((i) => i.perDay));
  const maxDays = Math.max(1, ...items.flatMap((i) => [i.p90Days ?? 0, i.medianDays ?? 0, i.targetDays]));
  const dayCount = (n: number) => t('performance.days', { count: n, value: formatNumber(n) });
  const none = t('performance.noDecision');

  return (
    <PublicPage title={t('performance.title')}>
      <h1>{t('performance.title')}</h1>
      <p className="intro">{t('performance.intro')}</p>
      <label className="period">
        {t('performance.period')}
        <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {periods.map((p) => (
            <option key={p} value={p}>
              {t('performance.lastDays', { count: p })}
            </option>
          ))}
        </select>
      </label>
      {failed && (
        <p role="alert" className="alert">
          {t('performance.failed')}
        </p>
      )}
      {report && (
        <p>{t('performance.range', { since: formatDate(report.since), until: formatDate(report.until) })}</p>
      )}

      {report && (
        <>
          <section className="chart-section" aria-labelledby="volume-title">
            <h2 id="volume-title">{t('performance.volume')}</h2>
            <p className="hint">{t('performance.volumeCaption')}</p>
            <ul className="chart" aria-hidden="true">
              {items.map((i) => (
                <li key={i.procedure.id}>
                  <span className="bar-label">
                    {t('performance.label', { title: title(i) })}{' '}
                    <strong>{t('performance.perDayValue', { value: formatNumber(i.perDay, 2) })}</strong>
                  </span>
                  <Bar value={i.perDay} max={maxPerDay} />
                </li>
              ))}
            </ul>
            <div className="visually-hidden">
              <table>
                <caption>{t('performance.volume')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('performance.procedure')}</th>
                    <th scope="col">{t('performance.perDay')}</th>
                    <th scope="col">{t('performance.submitted')}</th>
                    <th scope="col">{t('performance.online')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((i) => (
                    <tr key={i.procedure.id}>
                      <th scope="row">{title(i)}</th>
                      <td>{formatNumber(i.perDay, 2)}</td>
                      <td>{formatNumber(i.submitted, 0)}</td>
                      <td>{i.online === null ? '—' : formatPercent(i.online)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>

          <section className="chart-section" aria-labelledby="delay-title">
            <h2 id="delay-title">{t('performance.delay')}</h2>
            <p className="hint">{t('performance.delayCaption')}</p>
            <ul className="legend" aria-hidden="true">
              <li>
                <Swatch colour={colours.bar} /> {t('performance.median')}
              </li>
              <li>
                <Swatch colour={colours.p90} /> {t('performance.p90')}
              </li>
              <li>
                <Swatch colour={colours.target} /> {t('performance.target')}
              </li>
            </ul>
            <ul className="chart" aria-hidden="true">
              {items.map((i) => {
                const at = (d: number) => Math.min(100, (d / maxDays) * 100);
                return (
                  <li key={i.procedure.id}>
                    <span className="bar-label">
                      {t('performance.label', { title: title(i) })}{' '}
                      <strong>{i.medianDays === null ? none : dayCount(i.medianDays)}</strong>
                    </span>
                    <svg viewBox="0 0 100 10" preserveAspectRatio="none" focusable="false" aria-hidden="true">
                      <rect x="0" y="0" width="100" height="10" fill={colours.track} />
                      {i.p90Days !== null && (
                        <rect x="0" y="0" width={at(i.p90Days)} height="10" fill={colours.p90} />
                      )}
                      {i.medianDays !== null && (
                        <rect x="0" y="2" width={at(i.medianDays)} height="6" fill={colours.bar} />
                      )}
                      <rect
                        x={Math.max(0, at(i.targetDays) - 0.6)}
                        y="0"
                        width="1.2"
                        height="10"
                        fill={colours.target}
                      />
                    </svg>
                  </li>
                );
              })}
            </ul>
            <div className="visually-hidden">
              <table>
                <caption>{t('performance.delay')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('performance.procedure')}</th>
                    <th scope="col">{t('performance.median')}</th>
                    <th scope="col">{t('performance.p90')}</th>
                    <th scope="col">{t('performance.target')}</th>
                    <th scope="col">{t('performance.decided')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((i) => (
                    <tr key={i.procedure.id}>
                      <th scope="row">{title(i)}</th>
                      <td>{i.medianDays === null ? none : dayCount(i.medianDays)}</td>
                      <td>{i.p90Days === null ? none : dayCount(i.p90Days)}</td>
                      <td>{dayCount(i.targetDays)}</td>
                      <td>{formatNumber(i.decided, 0)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>

          <section className="chart-section" aria-labelledby="within-title">
            <h2 id="within-title">{t('performance.within')}</h2>
            <p className="hint">{t('performance.withinCaption')}</p>
            <ul className="chart" aria-hidden="true">
              {items.map((i) => (
                <li key={i.procedure.id}>
                  <span className="bar-label">
                    {t('performance.label', { title: title(i) })}{' '}
                    <strong>{i.withinTarget === null ? none : formatPercent(i.withinTarget)}</strong>
                  </span>
                  <Bar value={i.withinTarget ?? 0} max={1} />
                </li>
              ))}
            </ul>
            <div className="visually-hidden">
              <table>
                <caption>{t('performance.within')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('performance.procedure')}</th>
                    <th scope="col">{t('performance.withinShort')}</th>
                    <th scope="col">{t('performance.decided')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((i) => (
                    <tr key={i.procedure.id}>
                      <th scope="row">{title(i)}</th>
                      <td>{i.withinTarget === null ? none : formatPercent(i.withinTarget)}</td>
                      <td>{formatNumber(i.decided, 0)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </PublicPage>
  );
}
