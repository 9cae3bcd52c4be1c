import { useCallback, useEffect, useState } from 'react';
import { ApiProblem, api } from './api.ts';

/** Loads an API resource; `reload` after a change. */
export function useApi<T>(path: string) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiProblem | Error>();
  const [loading, setLoading] = useState(true);
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      setData(await api<T>('GET', path));
      setError(undefined);
    } catch (err) {
      setError(err instanceof ApiProblem ? err : (err as Error));
    } finally {
      setLoading(false);
    }
  }, [path]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload };
}
