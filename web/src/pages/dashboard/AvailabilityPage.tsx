// /dashboard/availability — weekly hours (several windows a day), the
// schedule's time zone, and date overrides.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import type { AvailabilityRule, Override, Schedule, WallInterval } from '../../api/types';
import { TimeZonePicker } from '../../components/TimeZonePicker';
import { ErrorNotice, Field, Loading, Notice, PageTitle } from '../../components/ui';
import { usePrefs } from '../../lib/prefs';
import { windowProblems } from '../../lib/schedule';
import { dateKeyInZone, formatDateKey, formatWallTime, minutesToWall, wallMinutes } from '../../lib/time';

const DAY_ORDER = [1, 2, 3, 4, 5, 6, 0];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Every quarter hour, plus whatever odd times the schedule already has. */
function timeOptions(extra: string[], forEnd: boolean): string[] {
  const set = new Set<string>();
  for (let m = forEnd ? 15 : 0; m <= (forEnd ? 1440 : 1425); m += 15) set.add(minutesToWall(m));
  for (const t of extra) set.add(t);
  return [...set].sort((a, b) => wallMinutes(a) - wallMinutes(b));
}

function nextWindow(ws: WallInterval[]): WallInterval {
  const last = ws.reduce((m, w) => Math.max(m, wallMinutes(w.end_time)), 0);
  if (!ws.length) return { start_time: '09:00', end_time: '17:00' };
  const start = Math.min(last + 60, 1380);
  return { start_time: minutesToWall(start), end_time: minutesToWall(Math.min(start + 60, 1440)) };
}

export function AvailabilityPage() {
  const q = useQuery({ queryKey: ['schedule'], queryFn: api.schedule });
  return (
    <>
      <PageTitle>Availability</PageTitle>
      {q.isPending ? <Loading minHeight={420} /> : q.isError ? (
        <ErrorNotice error={q.error} title="Could not load your hours." onRetry={() => void q.refetch()} />
      ) : (
        <WeeklyHours schedule={q.data} />
      )}
      <Overrides tz={q.data?.time_zone} />
    </>
  );
}

function WeeklyHours({ schedule }: { schedule: Schedule }) {
  const qc = useQueryClient();
  const [tz, setTz] = useState(schedule.time_zone);
  const [days, setDays] = useState<WallInterval[][]>(() => {
    const d: WallInterval[][] = [[], [], [], [], [], [], []];
    for (const r of schedule.rules) d[r.day_of_week]!.push({ start_time: r.start_time, end_time: r.end_time });
    for (const l of d) l.sort((a, b) => wallMinutes(a.start_time) - wallMinutes(b.start_time));
    return d;
  });
  const [serverError, setServerError] = useState<{ day: number; index: number; message: string } | null>(null);
  const [saved, setSaved] = useState(false);
  const problems = days.map(windowProblems);
  const hasProblems = problems.some((p) => Object.keys(p).length > 0);

  // The body lists windows day by day in DAY_ORDER; remember where each came from
  // to put a `rules[n]` error back on its row.
  const flat: { day: number; index: number; rule: AvailabilityRule }[] = [];
  for (const day of DAY_ORDER) days[day]!.forEach((w, index) => flat.push({ day, index, rule: { day_of_week: day, ...w } }));

  const save = useMutation({
    mutationFn: () => api.saveSchedule(tz, flat.map((f) => f.rule)),
    onSuccess: (s) => {
      setSaved(true);
      qc.setQueryData(['schedule'], s);
      void qc.invalidateQueries({ queryKey: ['slots'] });
    },
    onError: (e) => {
      const m = e instanceof ApiError && e.field ? /^rules\[(\d+)\]/.exec(e.field) : null;
      const at = m ? flat[Number(m[1])] : undefined;
      if (at && e instanceof ApiError) setServerError({ day: at.day, index: at.index, message: e.message });
    },
  });

  const change = (day: number, ws: WallInterval[]) => {
    setSaved(false);
    setServerError(null);
    save.reset();
    setDays((d) => d.map((x, i) => (i === day ? ws : x)));
  };

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!hasProblems && !save.isPending) save.mutate();
  }

  return (
    <form className="card section weekly" onSubmit={submit} aria-labelledby="weekly-h">
      <div className="section-head">
        <h2 id="weekly-h">Weekly hours</h2>
      </div>
      <div className="tz-row">
        <TimeZonePicker value={tz} onChange={(z) => { setTz(z); setSaved(false); }} label="Time zone of these hours" />
      </div>
      <ul className="week">
        {DAY_ORDER.map((day) => (
          <DayRow key={day} day={day} windows={days[day]!} problems={problems[day]!}
            serverError={serverError?.day === day ? serverError : null} onChange={(ws) => change(day, ws)} />
        ))}
      </ul>
      {save.isError && !serverError && <ErrorNotice error={save.error} title="Not saved." />}
      <div className="button-row">
        <button type="submit" className="btn primary" disabled={save.isPending || hasProblems}>
          {save.isPending ? 'Saving…' : 'Save hours'}
        </button>
        <span aria-live="polite" className="save-state">{saved ? 'Saved.' : hasProblems ? 'Fix the marked windows to save.' : ''}</span>
      </div>
    </form>
  );
}

function DayRow({ day, windows, problems, serverError, onChange }: { day: number; windows: WallInterval[];
  problems: Record<number, string>; serverError: { index: number; message: string } | null; onChange: (ws: WallInterval[]) => void }) {
  const id = useId();
  const on = windows.length > 0;
  return (
    <li className={`day-row ${on ? '' : 'off'}`}>
      <label className="day-toggle" htmlFor={id}>
        <input id={id} type="checkbox" checked={on}
          onChange={(e) => onChange(e.target.checked ? [{ start_time: '09:00', end_time: '17:00' }] : [])} />
        <span>{DAY_NAMES[day]}</span>
      </label>
      <div className="windows">
        {!on && <span className="muted">Unavailable</span>}
        <WindowsEditor windows={windows} onChange={onChange} problems={problems} serverError={serverError} dayName={DAY_NAMES[day]!} />
      </div>
    </li>
  );
}

function WindowsEditor({ windows, onChange, problems, serverError, dayName }: { windows: WallInterval[];
  onChange: (ws: WallInterval[]) => void; problems: Record<number, string>;
  serverError?: { index: number; message: string } | null; dayName: string }) {
  const { hour12 } = usePrefs();
  const extras = windows.flatMap((w) => [w.start_time, w.end_time]);
  const starts = timeOptions(extras, false);
  const ends = timeOptions(extras, true);
  const set = (i: number, patch: Partial<WallInterval>) => onChange(windows.map((w, j) => (j === i ? { ...w, ...patch } : w)));
  return (
    <>
      {windows.map((w, i) => {
        const problem = problems[i] ?? (serverError?.index === i ? serverError.message : undefined);
        return (
          <div className={`window ${problem ? 'has-error' : ''}`} key={i}>
            <select aria-label={`${dayName} window ${i + 1} from`} value={w.start_time} aria-invalid={problem ? true : undefined}
              onChange={(e) => set(i, { start_time: e.target.value })}>
              {starts.map((t) => <option key={t} value={t}>{formatWallTime(t, hour12)}</option>)}
            </select>
            <span aria-hidden="true">–</span>
            <select aria-label={`${dayName} window ${i + 1} until`} value={w.end_time} aria-invalid={problem ? true : undefined}
              onChange={(e) => set(i, { end_time: e.target.value })}>
              {ends.map((t) => <option key={t} value={t}>{t === '24:00' ? (hour12 ? 'Midnight' : '24:00') : formatWallTime(t, hour12)}</option>)}
            </select>
            <button type="button" className="icon-btn" aria-label={`Remove ${dayName} window ${i + 1}`}
              onClick={() => onChange(windows.filter((_, j) => j !== i))}>
              <svg viewBox="0 0 20 20" aria-hidden="true"><path d="M5 5l10 10M15 5 5 15" /></svg>
            </button>
            {i === windows.length - 1 && (
              <button type="button" className="icon-btn" aria-label={`Add a window on ${dayName}`}
                onClick={() => onChange([...windows, nextWindow(windows)])}>
                <svg viewBox="0 0 20 20" aria-hidden="true"><path d="M10 4v12M4 10h12" /></svg>
              </button>
            )}
            {problem && <span className="field-error" role="alert">{problem}</span>}
          </div>
        );
      })}
    </>
  );
}

function Overrides({ tz }: { tz: string | undefined }) {
  const qc = useQueryClient();
  const today = dateKeyInZone(Date.now(), tz ?? 'UTC');
  const q = useQuery({ queryKey: ['overrides', today], queryFn: () => api.overrides(today), enabled: !!tz });
  const [editing, setEditing] = useState<Override | null>(null);
  const remove = useMutation({
    mutationFn: (date: string) => api.deleteOverride(date),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['overrides'] });
      void qc.invalidateQueries({ queryKey: ['slots'] });
    },
  });
  const { hour12 } = usePrefs();
  const list = [...(q.data?.overrides ?? [])].sort((a, b) => a.date.localeCompare(b.date));

  return (
    <section className="card section overrides" aria-labelledby="ov-h">
      <div className="section-head">
        <h2 id="ov-h">Date overrides</h2>
        {!editing && (
          <button type="button" className="btn" onClick={() => setEditing({ date: '', intervals: [] })}>+ Add an override</button>
        )}
      </div>
      <p className="muted">Different hours, or a day off, on particular dates. They replace the weekly hours on that date.</p>
      {editing && <OverrideForm initial={editing} minDate={today} onDone={() => setEditing(null)} />}
      {!tz || q.isPending ? <Loading minHeight={80} /> : q.isError ? (
        <ErrorNotice error={q.error} onRetry={() => void q.refetch()} />
      ) : list.length === 0 ? (
        <p className="empty-line">No overrides from today on.</p>
      ) : (
        <ul className="override-list">
          {list.map((o) => (
            <li key={o.date}>
              <span className="ov-date">{formatDateKey(o.date, { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' })}</span>
              <span className="ov-hours">
                {o.intervals.length === 0 ? 'Unavailable all day'
                  : o.intervals.map((w) => `${formatWallTime(w.start_time, hour12)} – ${formatWallTime(w.end_time, hour12)}`).join(', ')}
              </span>
              <span className="button-row tight">
                <button type="button" className="btn small" onClick={() => setEditing(o)}>Edit</button>
                <button type="button" className="btn small danger-outline" disabled={remove.isPending && remove.variables === o.date}
                  onClick={() => remove.mutate(o.date)} aria-label={`Remove the override on ${o.date}`}>Remove</button>
              </span>
            </li>
          ))}
        </ul>
      )}
      {remove.isError && <ErrorNotice error={remove.error} title="Not removed." />}
    </section>
  );
}

function OverrideForm({ initial, minDate, onDone }: { initial: Override; minDate: string; onDone: () => void }) {
  const qc = useQueryClient();
  const [date, setDate] = useState(initial.date);
  const [off, setOff] = useState(initial.date !== '' && initial.intervals.length === 0);
  const [windows, setWindows] = useState<WallInterval[]>(initial.intervals.length ? initial.intervals : [{ start_time: '09:00', end_time: '17:00' }]);
  const [dateError, setDateError] = useState<string | null>(null);
  const problems = off ? {} : windowProblems(windows);
  const save = useMutation({
    mutationFn: () => api.saveOverride(date, off ? [] : windows),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['overrides'] });
      void qc.invalidateQueries({ queryKey: ['slots'] });
      onDone();
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return setDateError('Choose a date.');
    if (Object.keys(problems).length || save.isPending) return;
    save.mutate();
  }
  return (
    <form className="override-form" onSubmit={submit} noValidate>
      <div className="grid-2">
        <Field label="Date" error={dateError}>
          {(p) => <input {...p} type="date" min={minDate} value={date} disabled={initial.date !== ''}
            onChange={(e) => { setDate(e.target.value); setDateError(null); }} />}
        </Field>
        <div className="field">
          <span className="label-like">Hours that day</span>
          <label className="check-line">
            <input type="checkbox" checked={off} onChange={(e) => setOff(e.target.checked)} />
            Unavailable all day
          </label>
        </div>
      </div>
      {!off && (
        <div className="windows">
          <WindowsEditor windows={windows} onChange={(ws) => setWindows(ws.length ? ws : [{ start_time: '09:00', end_time: '17:00' }])}
            problems={problems} dayName="That day" />
        </div>
      )}
      {save.isError && <ErrorNotice error={save.error} title="Not saved." />}
      {initial.date === '' && <Notice kind="info">Bookings already made on that date stay; only new times change.</Notice>}
      <div className="button-row">
        <button type="submit" className="btn primary" disabled={save.isPending}>{save.isPending ? 'Saving…' : 'Save override'}</button>
        <button type="button" className="btn" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}
