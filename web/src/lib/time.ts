// Date and time helpers, built on Intl only. Instants are epoch
// milliseconds or RFC 3339 strings; calendar dates are `YYYY-MM-DD` keys
// with no zone; months are `YYYY-MM` keys. Nothing here reads the clock
// unless a function says so.

import type { Slot } from '../api/types';

export interface ZonedParts {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number; // 0–23
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(tz: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    partsFormatters.set(tz, f);
  }
  return f;
}

export function toMs(t: number | string | Date): number {
  return typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : t.getTime();
}

/** The wall-clock reading of an instant in a zone. */
export function zonedParts(t: number | string | Date, tz: string): ZonedParts {
  const out: ZonedParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
  for (const p of partsFormatter(tz).formatToParts(toMs(t))) {
    switch (p.type) {
      case 'year': out.year = Number(p.value); break;
      case 'month': out.month = Number(p.value); break;
      case 'day': out.day = Number(p.value); break;
      case 'hour': out.hour = Number(p.value) % 24; break;
      case 'minute': out.minute = Number(p.value); break;
      case 'second': out.second = Number(p.value); break;
      case 'weekday': out.weekday = WEEKDAYS[p.value] ?? 0; break;
      default: break;
    }
  }
  return out;
}

/** Minutes the zone is ahead of UTC at that instant (Kolkata: 330). */
export function tzOffsetMinutes(t: number | string | Date, tz: string): number {
  const ms = toMs(t);
  const p = zonedParts(ms, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - (ms - (((ms % 1000) + 1000) % 1000))) / 60000);
}

/** `GMT+05:30`, `GMT-04:00`, `GMT`. */
export function formatOffset(minutes: number): string {
  if (minutes === 0) return 'GMT';
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return `GMT${sign}${pad2(Math.floor(m / 60))}:${pad2(m % 60)}`;
}

export function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** The calendar date of an instant as seen in a zone. */
export function dateKeyInZone(t: number | string | Date, tz: string): string {
  const p = zonedParts(t, tz);
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)}`;
}

/** `HH:MM` of an instant as seen in a zone. */
export function wallTimeInZone(t: number | string | Date, tz: string): string {
  const p = zonedParts(t, tz);
  return `${pad2(p.hour)}:${pad2(p.minute)}`;
}

function parseDateKey(key: string): [number, number, number] {
  const [y, m, d] = key.split('-').map(Number);
  return [y ?? 1970, m ?? 1, d ?? 1];
}

/**
 * The instant at which a zone's clocks read `date time`. A reading skipped
 * by a daylight-saving jump gives the first instant after the gap; a
 * repeated reading gives the earlier instant (as the server does).
 */
export function wallTimeToInstant(date: string, time: string, tz: string): number {
  const [y, mo, d] = parseDateKey(date);
  const [h, mi] = time.split(':').map(Number);
  const wall = Date.UTC(y, mo - 1, d, h ?? 0, mi ?? 0);
  // Try the offsets in force a day either side; keep the candidates that
  // read back as the wanted wall time and take the earliest.
  const offsets = new Set([tzOffsetMinutes(wall - 86400000, tz), tzOffsetMinutes(wall, tz),
    tzOffsetMinutes(wall + 86400000, tz)]);
  const hits: number[] = [];
  for (const off of offsets) {
    const cand = wall - off * 60000;
    if (cand + tzOffsetMinutes(cand, tz) * 60000 === wall) hits.push(cand);
  }
  if (hits.length) return Math.min(...hits);
  // In a gap: the first instant after it is where the later offset begins,
  // found by bisection (to the minute) between the two readings.
  const before = tzOffsetMinutes(wall - 86400000, tz);
  const after = tzOffsetMinutes(wall + 86400000, tz);
  let lo = wall - Math.max(before, after) * 60000;
  let hi = wall - Math.min(before, after) * 60000;
  const offAtLo = tzOffsetMinutes(lo, tz);
  while (hi - lo > 60000) {
    const mid = lo + Math.floor((hi - lo) / 120000) * 60000;
    if (tzOffsetMinutes(mid, tz) === offAtLo) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Adds days to a date key. */
export function addDays(key: string, n: number): string {
  const [y, m, d] = parseDateKey(key);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${t.getUTCFullYear()}-${pad2(t.getUTCMonth() + 1)}-${pad2(t.getUTCDate())}`;
}

/** 0 = Sunday for a date key. */
export function weekdayOf(key: string): number {
  const [y, m, d] = parseDateKey(key);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

export function monthOf(key: string): string {
  return key.slice(0, 7);
}

export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const idx = (y ?? 1970) * 12 + ((m ?? 1) - 1) + n;
  return `${Math.floor(idx / 12)}-${pad2((idx % 12) + 1)}`;
}

/** First and last date of a month key. */
export function monthBounds(month: string): { start: string; end: string } {
  const start = `${month}-01`;
  return { start, end: addDays(`${addMonths(month, 1)}-01`, -1) };
}

export interface GridDay {
  key: string;
  day: number;
  inMonth: boolean;
}

/**
 * A month as six weeks of seven days (always six, so the calendar's height
 * never changes), starting on Sunday (0) or Monday (1).
 */
export function monthGrid(month: string, weekStartsOn: 0 | 1 = 0): GridDay[][] {
  const first = `${month}-01`;
  const lead = (weekdayOf(first) - weekStartsOn + 7) % 7;
  let key = addDays(first, -lead);
  const weeks: GridDay[][] = [];
  for (let w = 0; w < 6; w++) {
    const week: GridDay[] = [];
    for (let i = 0; i < 7; i++) {
      week.push({ key, day: Number(key.slice(8)), inMonth: monthOf(key) === month });
      key = addDays(key, 1);
    }
    weeks.push(week);
  }
  return weeks;
}

/** Slots grouped by the calendar date of their start in `tz`, in order. */
export function groupSlotsByDay(slots: readonly Slot[], tz: string): Map<string, Slot[]> {
  const out = new Map<string, Slot[]>();
  for (const s of slots) {
    const key = dateKeyInZone(s.start, tz);
    const list = out.get(key);
    if (list) list.push(s);
    else out.set(key, [s]);
  }
  return out;
}

const fmtCache = new Map<string, Intl.DateTimeFormat>();

function fmt(locale: string | undefined, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const k = `${locale ?? ''}|${JSON.stringify(opts)}`;
  let f = fmtCache.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, opts);
    fmtCache.set(k, f);
  }
  return f;
}

/** ICU writes a narrow no-break space before AM/PM; keep it unbreakable but plain. */
function tidy(s: string): string {
  return s.replace(/[\u202f\u2009]/g, '\u00a0');
}

/** `7:30 PM` or `19:30`. */
export function formatTime(t: number | string | Date, tz: string, hour12: boolean, locale?: string): string {
  // A time never wraps: every space in it becomes a no-break space.
  return fmt(locale, { timeZone: tz, hour: hour12 ? 'numeric' : '2-digit', minute: '2-digit',
    hourCycle: hour12 ? 'h12' : 'h23' }).format(toMs(t)).replace(/[ \u202f\u2009]/g, '\u00a0');
}

/** `7:30 PM – 8:00 PM`. */
export function formatTimeRange(a: number | string, b: number | string, tz: string, hour12: boolean,
  locale?: string): string {
  return `${formatTime(a, tz, hour12, locale)} – ${formatTime(b, tz, hour12, locale)}`;
}

/** `Tuesday, March 2, 2027` for an instant seen in a zone. */
export function formatDateLong(t: number | string | Date, tz: string, locale?: string): string {
  return tidy(fmt(locale, { timeZone: tz, weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' })
    .format(toMs(t)));
}

/** `Tue, Mar 2` for an instant seen in a zone. */
export function formatDateShort(t: number | string | Date, tz: string, locale?: string): string {
  return tidy(fmt(locale, { timeZone: tz, weekday: 'short', month: 'short', day: 'numeric' }).format(toMs(t)));
}

/** A date key in words, e.g. `Tuesday, March 2` (no zone involved). */
export function formatDateKey(key: string, opts: Intl.DateTimeFormatOptions, locale?: string): string {
  const [y, m, d] = parseDateKey(key);
  return tidy(fmt(locale, { ...opts, timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d)));
}

/** `March 2027` for a month key. */
export function formatMonth(month: string, locale?: string): string {
  return formatDateKey(`${month}-01`, { month: 'long', year: 'numeric' }, locale);
}

/** `HH:MM` wall time in the 12- or 24-hour style, e.g. `09:30` → `9:30 AM`. */
export function formatWallTime(time: string, hour12: boolean): string {
  const [h = 0, m = 0] = time.split(':').map(Number);
  if (!hour12) return `${pad2(h)}:${pad2(m)}`;
  if (h === 24 || h === 0) return `12:${pad2(m)}\u00a0AM`;
  const suffix = h >= 12 ? 'PM' : 'AM';
  return `${h % 12 === 0 ? 12 : h % 12}:${pad2(m)}\u00a0${suffix}`;
}

/** Minutes since midnight of `HH:MM`. */
export function wallMinutes(time: string): number {
  const [h = 0, m = 0] = time.split(':').map(Number);
  return h * 60 + m;
}

export function minutesToWall(min: number): string {
  return `${pad2(Math.floor(min / 60))}:${pad2(min % 60)}`;
}

/** A duration in words: 30 → `30 min`, 90 → `1 h 30 min`, 1440 → `1 day`. */
export function formatDuration(min: number): string {
  if (min % 1440 === 0 && min >= 1440) return min === 1440 ? '1 day' : `${min / 1440} days`;
  const h = Math.floor(min / 60);
  const m = min % 60;
  if (!h) return `${m} min`;
  return m ? `${h} h ${m} min` : `${h} h`;
}

// Old names some engines still report, and the names people know.
const RENAMED_ZONES: Record<string, string> = {
  'Asia/Calcutta': 'Asia/Kolkata', 'Asia/Saigon': 'Asia/Ho_Chi_Minh', 'Europe/Kiev': 'Europe/Kyiv',
  'Asia/Katmandu': 'Asia/Kathmandu', 'Asia/Rangoon': 'Asia/Yangon', 'Atlantic/Faeroe': 'Atlantic/Faroe',
  'America/Godthab': 'America/Nuuk', 'Pacific/Truk': 'Pacific/Chuuk', 'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Enderbury': 'Pacific/Kanton', 'Etc/UTC': 'UTC', 'Etc/GMT': 'UTC', 'GMT': 'UTC',
  'Etc/Universal': 'UTC', 'Universal': 'UTC', 'Zulu': 'UTC', 'Etc/Zulu': 'UTC',
};

export function canonicalZone(tz: string): string {
  return RENAMED_ZONES[tz] ?? tz;
}

/** True when the engine knows the zone. */
export function isValidZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The zone the browser is set to. */
export function detectTimeZone(): string {
  try {
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return tz ? canonicalZone(tz) : 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Every zone the engine knows, with current names, `UTC` first. */
export function allTimeZones(): string[] {
  let list: string[] = [];
  try {
    list = Intl.supportedValuesOf('timeZone');
  } catch {
    list = [];
  }
  const set = new Set(list.map(canonicalZone));
  set.delete('UTC');
  return ['UTC', ...[...set].sort()];
}

/** Whether the locale writes times with AM/PM. */
export function localePrefers12h(locale?: string): boolean {
  try {
    const hc = new Intl.DateTimeFormat(locale, { hour: 'numeric' }).resolvedOptions().hourCycle;
    return hc === 'h11' || hc === 'h12';
  } catch {
    return false;
  }
}

/** `America/New_York` → `New York`, `America/Argentina/Buenos_Aires` → `Buenos Aires`. */
export function zoneCity(tz: string): string {
  const last = tz.split('/').pop() ?? tz;
  return last.replace(/_/g, ' ');
}
