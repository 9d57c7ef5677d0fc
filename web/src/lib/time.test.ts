import { describe, expect, it } from 'vitest';
import type { Slot } from '../api/types';
import {
  addDays, addMonths, allTimeZones, canonicalZone, dateKeyInZone, formatDateKey, formatDuration,
  formatMonth, formatOffset, formatTime, formatTimeRange, formatWallTime, groupSlotsByDay, monthBounds,
  monthGrid, tzOffsetMinutes, wallTimeInZone, wallTimeToInstant, weekdayOf, zonedParts,
} from './time';

const iso = (ms: number) => new Date(ms).toISOString();
const slot = (start: string, minutes = 30): Slot => ({
  start, end: iso(Date.parse(start) + minutes * 60000), local_start: start, seats_remaining: 1,
});

describe('zone conversion', () => {
  it('reads an instant in a zone', () => {
    const p = zonedParts('2027-03-15T13:00:00Z', 'Asia/Kolkata');
    expect(p).toMatchObject({ year: 2027, month: 3, day: 15, hour: 18, minute: 30, weekday: 1 });
    expect(wallTimeInZone('2027-03-15T13:00:00Z', 'America/New_York')).toBe('09:00');
  });

  it('knows offsets, including daylight saving time', () => {
    expect(tzOffsetMinutes('2027-03-01T12:00:00Z', 'Asia/Kolkata')).toBe(330);
    expect(tzOffsetMinutes('2027-03-01T12:00:00Z', 'America/New_York')).toBe(-300);
    expect(tzOffsetMinutes('2027-03-15T12:00:00Z', 'America/New_York')).toBe(-240);
    expect(tzOffsetMinutes('2027-03-01T12:00:00Z', 'UTC')).toBe(0);
    expect(tzOffsetMinutes('2027-01-01T00:00:00Z', 'Asia/Kathmandu')).toBe(345);
    expect(formatOffset(330)).toBe('GMT+05:30');
    expect(formatOffset(-240)).toBe('GMT-04:00');
    expect(formatOffset(0)).toBe('GMT');
  });

  it('turns wall time in a zone into an instant', () => {
    expect(iso(wallTimeToInstant('2027-03-15', '09:00', 'America/New_York'))).toBe('2027-03-15T13:00:00.000Z');
    expect(iso(wallTimeToInstant('2027-03-01', '09:00', 'America/New_York'))).toBe('2027-03-01T14:00:00.000Z');
    expect(iso(wallTimeToInstant('2027-03-02', '00:30', 'Asia/Kolkata'))).toBe('2027-03-01T19:00:00.000Z');
  });

  it('moves a wall time skipped by DST to the end of the gap, and takes the earlier of a repeated one', () => {
    // 2027-03-14 02:30 does not exist in New York; the clocks jump 02:00 → 03:00 at 07:00Z.
    expect(iso(wallTimeToInstant('2027-03-14', '02:30', 'America/New_York'))).toBe('2027-03-14T07:00:00.000Z');
    // 2027-11-07 01:30 happens twice; the first is EDT (05:30Z).
    expect(iso(wallTimeToInstant('2027-11-07', '01:30', 'America/New_York'))).toBe('2027-11-07T05:30:00.000Z');
  });

  it('finds the calendar date of an instant in a zone', () => {
    expect(dateKeyInZone('2027-03-01T19:00:00Z', 'Asia/Kolkata')).toBe('2027-03-02');
    expect(dateKeyInZone('2027-03-01T19:00:00Z', 'America/Los_Angeles')).toBe('2027-03-01');
  });

  it('uses the current names of renamed zones', () => {
    expect(canonicalZone('Asia/Calcutta')).toBe('Asia/Kolkata');
    expect(canonicalZone('Europe/Berlin')).toBe('Europe/Berlin');
    const all = allTimeZones();
    expect(all[0]).toBe('UTC');
    expect(all).toContain('Asia/Kolkata');
    expect(all).not.toContain('Asia/Calcutta');
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('month grid', () => {
  it('has six weeks starting on Sunday', () => {
    const g = monthGrid('2027-03');
    expect(g).toHaveLength(6);
    expect(g.every((w) => w.length === 7)).toBe(true);
    expect(g[0]![0]).toEqual({ key: '2027-02-28', day: 28, inMonth: false });
    expect(g[0]![1]).toEqual({ key: '2027-03-01', day: 1, inMonth: true });
    expect(g.flat().filter((d) => d.inMonth)).toHaveLength(31);
    expect(g[5]![6]!.key).toBe('2027-04-10');
  });

  it('can start on Monday, and handles leap years', () => {
    const g = monthGrid('2028-02', 1);
    expect(g[0]![0]!.key).toBe('2028-01-31');
    expect(weekdayOf(g[0]![0]!.key)).toBe(1);
    expect(g.flat().filter((d) => d.inMonth)).toHaveLength(29);
  });

  it('does month and day arithmetic', () => {
    expect(addMonths('2027-12', 1)).toBe('2028-01');
    expect(addMonths('2027-01', -1)).toBe('2026-12');
    expect(monthBounds('2027-02')).toEqual({ start: '2027-02-01', end: '2027-02-28' });
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(formatMonth('2027-03', 'en-US')).toBe('March 2027');
    expect(formatDateKey('2027-03-02', { weekday: 'long', month: 'long', day: 'numeric' }, 'en-US'))
      .toBe('Tuesday, March 2');
  });
});

describe('12- and 24-hour formatting', () => {
  const t = '2027-03-15T13:00:00Z';
  it('formats an instant in a zone', () => {
    expect(formatTime(t, 'Asia/Kolkata', true, 'en-US')).toBe('6:30\u00a0PM');
    expect(formatTime(t, 'Asia/Kolkata', false, 'en-US')).toBe('18:30');
    expect(formatTime('2027-03-15T04:05:00Z', 'UTC', false, 'en-US')).toBe('04:05');
    expect(formatTime('2027-03-15T00:00:00Z', 'UTC', true, 'en-US')).toBe('12:00\u00a0AM');
    expect(formatTime('2027-03-15T12:00:00Z', 'UTC', true, 'en-US')).toBe('12:00\u00a0PM');
    expect(formatTimeRange(t, '2027-03-15T13:30:00Z', 'America/New_York', false, 'en-US')).toBe('09:00 – 09:30');
  });

  it('formats wall times and durations', () => {
    expect(formatWallTime('09:30', true)).toBe('9:30\u00a0AM');
    expect(formatWallTime('12:00', true)).toBe('12:00\u00a0PM');
    expect(formatWallTime('00:15', true)).toBe('12:15\u00a0AM');
    expect(formatWallTime('24:00', false)).toBe('24:00');
    expect(formatWallTime('17:00', false)).toBe('17:00');
    expect(formatDuration(30)).toBe('30 min');
    expect(formatDuration(90)).toBe('1 h 30 min');
    expect(formatDuration(120)).toBe('2 h');
    expect(formatDuration(2880)).toBe('2 days');
  });
});

describe('grouping slots by local day', () => {
  // New York 09:00–17:00 on 1 March 2027 is 19:30 on the 1st to 03:30 on the 2nd in Kolkata.
  const slots = ['2027-03-01T14:00:00Z', '2027-03-01T18:00:00Z', '2027-03-01T18:30:00Z', '2027-03-01T21:30:00Z']
    .map((s) => slot(s));

  it('splits one host day over two invitee days', () => {
    const g = groupSlotsByDay(slots, 'Asia/Kolkata');
    expect([...g.keys()]).toEqual(['2027-03-01', '2027-03-02']);
    expect(g.get('2027-03-01')!.map((s) => s.start)).toEqual(['2027-03-01T14:00:00Z', '2027-03-01T18:00:00Z']);
    expect(g.get('2027-03-02')).toHaveLength(2);
  });

  it('keeps them on one day in the host zone, in order', () => {
    const g = groupSlotsByDay(slots, 'America/New_York');
    expect([...g.keys()]).toEqual(['2027-03-01']);
    expect(g.get('2027-03-01')!.map((s) => s.start)).toEqual(slots.map((s) => s.start));
    expect(groupSlotsByDay([], 'UTC').size).toBe(0);
  });
});
