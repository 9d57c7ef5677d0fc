// The viewer's display choices: time zone and 12/24-hour clock. The clock
// style is kept in localStorage; a chosen zone lasts for the browser tab
// (sessionStorage), so a new visit starts from the zone the browser reports.
// This is UI state, not server data.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { canonicalZone, detectTimeZone, isValidZone, localePrefers12h } from './time';

interface Prefs {
  timeZone: string;
  hour12: boolean;
  setTimeZone: (tz: string) => void;
  setHour12: (v: boolean) => void;
}

const PrefsContext = createContext<Prefs | null>(null);

function storage(key: string): Storage {
  return key === 'calendula.tz' ? sessionStorage : localStorage;
}

function stored(key: string): string | null {
  try {
    return storage(key).getItem(key);
  } catch {
    return null;
  }
}

function store(key: string, value: string): void {
  try {
    storage(key).setItem(key, value);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

export function PrefsProvider({ children }: { children: ReactNode }) {
  const [timeZone, setTz] = useState(() => {
    const s = stored('calendula.tz');
    return s && isValidZone(s) ? canonicalZone(s) : detectTimeZone();
  });
  const [hour12, setH12] = useState(() => {
    const s = stored('calendula.hour12');
    return s === null ? localePrefers12h() : s === '1';
  });
  const setTimeZone = useCallback((tz: string) => {
    setTz(tz);
    store('calendula.tz', tz);
  }, []);
  const setHour12 = useCallback((v: boolean) => {
    setH12(v);
    store('calendula.hour12', v ? '1' : '0');
  }, []);
  const value = useMemo(() => ({ timeZone, hour12, setTimeZone, setHour12 }),
    [timeZone, hour12, setTimeZone, setHour12]);
  return <PrefsContext.Provider value={value}>{children}</PrefsContext.Provider>;
}

export function usePrefs(): Prefs {
  const p = useContext(PrefsContext);
  if (!p) throw new Error('usePrefs outside PrefsProvider');
  return p;
}
