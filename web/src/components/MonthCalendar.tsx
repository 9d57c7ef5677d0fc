// A month of days with the bookable ones highlighted. Always six rows, so
// changing months never moves what is below. Arrow keys move between days.
import { useRef, type KeyboardEvent } from 'react';
import { addDays, addMonths, formatDateKey, formatMonth, monthGrid, monthOf } from '../lib/time';

interface Props {
  month: string;
  onMonthChange: (month: string) => void;
  bookable: ReadonlySet<string>;
  selected?: string | undefined;
  onSelect: (day: string) => void;
  today: string;
  loading?: boolean;
  weekStartsOn?: 0 | 1;
}

export function MonthCalendar({ month, onMonthChange, bookable, selected, onSelect, today, loading,
  weekStartsOn = 0 }: Props) {
  const weeks = monthGrid(month, weekStartsOn);
  const gridRef = useRef<HTMLTableElement>(null);
  const canGoBack = month > monthOf(today);
  const headers = weeks[0]!.map((d) => ({
    short: formatDateKey(d.key, { weekday: 'short' }),
    long: formatDateKey(d.key, { weekday: 'long' }),
  }));
  // The one day in the tab order: the selected day, else the first bookable one.
  const firstBookable = weeks.flat().find((d) => d.inMonth && bookable.has(d.key))?.key;
  const tabStop = selected && monthOf(selected) === month && bookable.has(selected) ? selected : firstBookable;

  function focusDay(key: string) {
    gridRef.current?.querySelector<HTMLButtonElement>(`[data-day="${key}"]`)?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLButtonElement>, key: string) {
    const step: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    const d = step[e.key];
    if (d === undefined) return;
    e.preventDefault();
    // Move to the next bookable day in that direction within this month.
    let k = addDays(key, d);
    while (monthOf(k) === month) {
      if (bookable.has(k)) return focusDay(k);
      k = addDays(k, d > 0 ? 1 : -1);
    }
  }

  return (
    <div className={`calendar ${loading ? 'is-loading' : ''}`} aria-busy={loading || undefined}>
      <div className="calendar-head">
        <button type="button" className="icon-btn" onClick={() => onMonthChange(addMonths(month, -1))}
          disabled={!canGoBack} aria-label="Previous month">
          <svg viewBox="0 0 20 20" aria-hidden="true"><path d="M12.5 4.5 7 10l5.5 5.5" /></svg>
        </button>
        <h2 className="calendar-title" aria-live="polite">{formatMonth(month)}</h2>
        <button type="button" className="icon-btn" onClick={() => onMonthChange(addMonths(month, 1))}
          aria-label="Next month">
          <svg viewBox="0 0 20 20" aria-hidden="true"><path d="M7.5 4.5 13 10l-5.5 5.5" /></svg>
        </button>
      </div>
      <table className="calendar-grid" ref={gridRef} role="grid" aria-label={formatMonth(month)}>
        <thead>
          <tr>
            {headers.map((h) => <th key={h.long} scope="col" abbr={h.long}>{h.short}</th>)}
          </tr>
        </thead>
        <tbody>
          {weeks.map((w) => (
            <tr key={w[0]!.key}>
              {w.map((d) => {
                const can = d.inMonth && bookable.has(d.key);
                const label = formatDateKey(d.key, { weekday: 'long', month: 'long', day: 'numeric' });
                return (
                  <td key={d.key} role="gridcell" aria-selected={d.key === selected || undefined}>
                    {d.inMonth ? (
                      <button
                        type="button"
                        data-day={d.key}
                        className={`day ${can ? 'bookable' : ''} ${d.key === selected ? 'selected' : ''} ${d.key === today ? 'today' : ''}`}
                        disabled={!can}
                        tabIndex={can && d.key === tabStop ? 0 : -1}
                        aria-label={`${label}${can ? ', times available' : ''}`}
                        aria-pressed={can ? d.key === selected : undefined}
                        onClick={() => onSelect(d.key)}
                        onKeyDown={(e) => onKeyDown(e, d.key)}
                      >
                        {d.day}
                      </button>
                    ) : <span className="day outside" aria-hidden="true" />}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
