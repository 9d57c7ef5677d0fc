// Pick a time: the month calendar, the times of the chosen day, the time
// zone and the clock style. Used to book, and to reschedule.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import type { Slot } from '../api/types';
import { usePrefs } from '../lib/prefs';
import { addMonths, dateKeyInZone, formatDateKey, formatMonth, groupSlotsByDay, monthBounds, monthOf } from '../lib/time';
import { ClockToggle } from './ClockToggle';
import { MonthCalendar } from './MonthCalendar';
import { TimeList } from './TimeList';
import { TimeZonePicker } from './TimeZonePicker';
import { ErrorNotice } from './ui';

/** How many empty months the picker skips on its own when it opens. */
const AUTO_ADVANCE_MONTHS = 3;

export function slotsQueryKey(meetingTypeId: string, month?: string, tz?: string) {
  return ['slots', meetingTypeId, ...(month ? [month] : []), ...(tz ? [tz] : [])] as const;
}

interface Props {
  meetingTypeId: string;
  /** The month shown; undefined lets the picker start at the first month with times. */
  month: string | undefined;
  onMonthChange: (month: string) => void;
  date: string | undefined;
  onDateChange: (date: string) => void;
  onPick: (slot: Slot) => void;
  selectedStart?: string | undefined;
  /** Shown above the times, e.g. "that time was just taken". */
  message?: ReactNode;
  showSeats?: boolean;
}

export function SlotPicker({ meetingTypeId, month, onMonthChange, date, onDateChange, onPick, selectedStart,
  message, showSeats }: Props) {
  const { timeZone, setTimeZone, hour12 } = usePrefs();
  const today = dateKeyInZone(Date.now(), timeZone);
  const [autoMonth, setAutoMonth] = useState(() => monthOf(today));
  const advanced = useRef(0);
  const shownMonth = month ?? autoMonth;
  const { start, end } = monthBounds(shownMonth);

  const q = useQuery({
    queryKey: slotsQueryKey(meetingTypeId, shownMonth, timeZone),
    queryFn: ({ signal }) => api.slots({ meeting_type_id: meetingTypeId, start_date: start, end_date: end,
      timezone: timeZone }, signal),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    refetchOnWindowFocus: true,
  });

  // Placeholder data from another month is not shown as this month's days;
  // from the same month in another zone it is, regrouped at once.
  const usable = q.data && (!q.isPlaceholderData || q.data.slots.some((s) => monthOf(dateKeyInZone(s.start, timeZone)) === shownMonth))
    ? q.data.slots : [];
  const byDay = useMemo(() => groupSlotsByDay(usable, timeZone), [usable, timeZone]);
  const bookable = useMemo(() => new Set([...byDay.keys()].filter((k) => monthOf(k) === shownMonth)),
    [byDay, shownMonth]);
  const settled = q.isSuccess && !q.isPlaceholderData && !q.isFetching;
  const emptyMonth = settled && bookable.size === 0;

  useEffect(() => {
    if (month === undefined && emptyMonth && advanced.current < AUTO_ADVANCE_MONTHS) {
      advanced.current += 1;
      setAutoMonth((m) => addMonths(m, 1));
    }
  }, [month, emptyMonth]);

  // On a narrow screen the times are below the calendar: bring them into
  // view when a day is picked (not when the page opens with a day chosen).
  const timesRef = useRef<HTMLElement>(null);
  const shownDate = useRef(date);
  useEffect(() => {
    if (date && date !== shownDate.current && window.matchMedia('(max-width: 719px)').matches) {
      const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
      timesRef.current?.scrollIntoView({ behavior: reduce ? 'auto' : 'smooth', block: 'start' });
    }
    shownDate.current = date;
  }, [date]);

  const daySlots = date ? byDay.get(date) ?? [] : [];
  const loadingTimes = q.isPending || (q.isPlaceholderData && q.isFetching);

  return (
    <div className="picker">
      <div className="picker-calendar">
        <MonthCalendar
          month={shownMonth}
          onMonthChange={(m) => { advanced.current = AUTO_ADVANCE_MONTHS; onMonthChange(m); }}
          bookable={bookable}
          selected={date}
          onSelect={onDateChange}
          today={today}
          loading={q.isFetching}
        />
        <div className="calendar-foot" aria-live="polite">
          {q.isError ? (
            <ErrorNotice error={q.error} title="Could not load the times." onRetry={() => void q.refetch()} />
          ) : emptyMonth && !(month === undefined && advanced.current < AUTO_ADVANCE_MONTHS) ? (
            <p className="muted">
              No open times in {formatMonth(shownMonth)}.{' '}
              <button type="button" className="link-btn" onClick={() => onMonthChange(addMonths(shownMonth, 1))}>
                Look at {formatMonth(addMonths(shownMonth, 1))}
              </button>
            </p>
          ) : null}
        </div>
        <TimeZonePicker value={timeZone} onChange={setTimeZone} label="Time zone" />
      </div>
      <section className="picker-times" aria-label="Available times" ref={timesRef}>
        <div className="times-head">
          <h2>{date ? formatDateKey(date, { weekday: 'long', month: 'long', day: 'numeric' }) : 'Pick a day'}</h2>
          <ClockToggle />
        </div>
        {message}
        {!date ? (
          <p className="muted">Choose a highlighted day to see its times.</p>
        ) : loadingTimes ? (
          <ul className="time-list skeleton" aria-hidden="true">
            {[0, 1, 2, 3, 4].map((i) => <li key={i}><span className="time placeholder" /></li>)}
          </ul>
        ) : daySlots.length === 0 ? (
          <p className="muted">No times left on this day. Pick another day.</p>
        ) : (
          <TimeList slots={daySlots} tz={timeZone} hour12={hour12} onPick={onPick} selectedStart={selectedStart}
            showSeats={showSeats} />
        )}
      </section>
    </div>
  );
}
