// Pieces of a booking's page, shared by the invitee's manage link and the
// host's dashboard: its times, calendar links, answers, reschedule, cancel.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api, icsUrl, isApiError } from '../api/client';
import type { Booking, PublicMeetingType, Question, Slot } from '../api/types';
import { googleCalendarUrl, outlookCalendarUrl, type EventInfo } from '../lib/calendarLinks';
import { usePrefs } from '../lib/prefs';
import { formatDateLong, formatTimeRange, monthOf, dateKeyInZone } from '../lib/time';
import { SlotPicker, slotsQueryKey } from './SlotPicker';
import { ErrorNotice, Field, Notice } from './ui';

export function bookingQueryKey(id: string, token?: string) {
  return ['booking', id, token] as const;
}

function zoneName(tz: string): string {
  return tz.replace(/_/g, ' ');
}

/** The meeting's time in the viewer's zone and, when it differs, another person's. */
export function BookingTimes({ booking, otherZone, otherLabel, viewerZone }: { booking: Booking;
  otherZone?: string | undefined; otherLabel?: string; viewerZone?: string }) {
  const prefs = usePrefs();
  const timeZone = viewerZone ?? prefs.timeZone;
  const { hour12 } = prefs;
  const cancelled = booking.status === 'cancelled';
  return (
    <div className={`when ${cancelled ? 'struck' : ''}`}>
      <p className="when-main">
        <span className="when-date">{formatDateLong(booking.start_time, timeZone)}</span>
        <span className="when-time">{formatTimeRange(booking.start_time, booking.end_time, timeZone, hour12)}</span>
        <span className="when-zone">Your time zone: {zoneName(timeZone)}</span>
      </p>
      {otherZone && otherZone !== timeZone && (
        <p className="when-other">
          {otherLabel ?? 'Their time'} ({zoneName(otherZone)}):{' '}
          <strong>{formatTimeRange(booking.start_time, booking.end_time, otherZone, hour12)}</strong>,{' '}
          {formatDateLong(booking.start_time, otherZone)}
        </p>
      )}
    </div>
  );
}

export function AddToCalendar({ booking, token, event }: { booking: Booking; token?: string | undefined; event: EventInfo }) {
  return (
    <div className="add-cal" role="group" aria-label="Add to calendar">
      <a className="btn" href={icsUrl(booking.id, token)} download={`${event.title.replace(/[^\w -]+/g, '')}.ics`}>
        <svg viewBox="0 0 20 20" aria-hidden="true"><rect x="3" y="4" width="14" height="13" rx="2" /><path d="M3 8h14M7 2.5v3M13 2.5v3" /></svg>
        Download .ics
      </a>
      <a className="btn" href={googleCalendarUrl(event)} target="_blank" rel="noopener noreferrer">Google Calendar</a>
      <a className="btn" href={outlookCalendarUrl(event)} target="_blank" rel="noopener noreferrer">Outlook</a>
    </div>
  );
}

export function AnswersList({ booking, questions }: { booking: Booking; questions: Question[] }) {
  // In the order the questions are asked; answers to removed questions last.
  const answers = booking.answers ?? {};
  const order = new Map(questions.map((q, i) => [q.id, i]));
  const entries = Object.entries(answers)
    .sort(([a], [b]) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9));
  if (!entries.length && !booking.notes) return null;
  const label = (id: string) => questions.find((q) => q.id === id)?.label ?? id;
  return (
    <dl className="answers">
      {entries.map(([id, a]) => (
        <div key={id}>
          <dt>{label(id)}</dt>
          <dd>{typeof a === 'boolean' ? (a ? 'Yes' : 'No') : a || '—'}</dd>
        </div>
      ))}
      {booking.notes && (
        <div>
          <dt>Notes</dt>
          <dd className="pre">{booking.notes}</dd>
        </div>
      )}
    </dl>
  );
}

export const TAKEN_MESSAGE = 'That time was just booked by someone else — pick another time.';

/** Pick a new time for a booking, confirm, and PUT it with the booking's version. */
export function RescheduleFlow({ booking, mt, token, onDone, onCancel }: { booking: Booking; mt: PublicMeetingType;
  token?: string | undefined; onDone: (b: Booking) => void; onCancel: () => void }) {
  const qc = useQueryClient();
  const { timeZone, hour12 } = usePrefs();
  const [month, setMonth] = useState<string | undefined>(undefined);
  const [date, setDate] = useState<string | undefined>(undefined);
  const [slot, setSlot] = useState<Slot | null>(null);
  const [reason, setReason] = useState('');
  const [taken, setTaken] = useState(false);
  const reasonId = useId();
  const move = useMutation({
    mutationFn: (s: Slot) => api.reschedule(booking.id, { start_time: s.start, version: booking.version,
      ...(reason.trim() ? { reason: reason.trim() } : {}) }, token),
    onSuccess: (b) => {
      qc.setQueryData(bookingQueryKey(booking.id, token), b);
      void qc.invalidateQueries({ queryKey: ['booking', booking.id] });
      void qc.invalidateQueries({ queryKey: ['hostBookings'] });
      void qc.invalidateQueries({ queryKey: slotsQueryKey(mt.id) });
      onDone(b);
    },
    onError: (e) => {
      if (isApiError(e, 'slot_unavailable')) {
        setTaken(true);
        setSlot(null);
        void qc.invalidateQueries({ queryKey: slotsQueryKey(mt.id) });
      } else if (isApiError(e, 'version_conflict') || isApiError(e, 'booking_cancelled')) {
        void qc.invalidateQueries({ queryKey: ['booking', booking.id] });
      }
    },
  });

  if (slot) {
    const end = new Date(Date.parse(slot.start) + (Date.parse(booking.end_time) - Date.parse(booking.start_time))).toISOString();
    return (
      <section className="reschedule-confirm" aria-labelledby={`${reasonId}-h`}>
        <h2 id={`${reasonId}-h`}>Move the meeting?</h2>
        <p className="move-line">
          <span className="muted strike">{formatTimeRange(booking.start_time, booking.end_time, timeZone, hour12)},{' '}
            {formatDateLong(booking.start_time, timeZone)}</span>
          <span aria-hidden="true"> → </span>
          <strong>{formatTimeRange(slot.start, end, timeZone, hour12)}, {formatDateLong(slot.start, timeZone)}</strong>
        </p>
        {move.isError && <ErrorNotice error={move.error} title="The booking was not moved." />}
        <form onSubmit={(e) => { e.preventDefault(); if (!move.isPending) move.mutate(slot); }}>
          <Field label="Reason (optional)">
            {(p) => <textarea {...p} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} />}
          </Field>
          <div className="button-row">
            <button type="submit" className="btn primary" disabled={move.isPending}>
              {move.isPending ? 'Moving…' : 'Confirm new time'}
            </button>
            <button type="button" className="btn" onClick={() => { move.reset(); setSlot(null); }}>Pick another time</button>
          </div>
        </form>
      </section>
    );
  }

  return (
    <section className="reschedule" aria-label="Pick a new time">
      <div className="section-head">
        <h2>Pick a new time</h2>
        <button type="button" className="btn small" onClick={onCancel}>Keep the current time</button>
      </div>
      <p className="muted">
        Now: {formatTimeRange(booking.start_time, booking.end_time, timeZone, hour12)}, {formatDateLong(booking.start_time, timeZone)}
      </p>
      <SlotPicker
        meetingTypeId={mt.id}
        month={month ?? (date ? monthOf(date) : undefined)}
        onMonthChange={(m) => { setMonth(m); setDate(undefined); }}
        date={date}
        onDateChange={(d) => { setTaken(false); setDate(d); }}
        onPick={(s) => { setTaken(false); move.reset(); setSlot(s); if (!date) setDate(dateKeyInZone(s.start, timeZone)); }}
        showSeats={mt.kind === 'group'}
        message={taken ? <Notice kind="warning">{TAKEN_MESSAGE}</Notice> : null}
      />
    </section>
  );
}

/** Cancel a booking with a reason. */
export function CancelForm({ booking, token, onDone, onBack, who }: { booking: Booking; token?: string | undefined;
  onDone: (b: Booking) => void; onBack: () => void; who: 'invitee' | 'host' }) {
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const cancel = useMutation({
    mutationFn: () => api.cancel(booking.id, reason.trim(), token),
    onSuccess: (b) => {
      qc.setQueryData(bookingQueryKey(booking.id, token), b);
      void qc.invalidateQueries({ queryKey: ['booking', booking.id] });
      void qc.invalidateQueries({ queryKey: ['hostBookings'] });
      void qc.invalidateQueries({ queryKey: slotsQueryKey(booking.meeting_type_id) });
      onDone(b);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!cancel.isPending) cancel.mutate();
  }
  return (
    <section className="cancel-form" aria-labelledby="cancel-h">
      <h2 id="cancel-h">Cancel this meeting?</h2>
      <p className="muted">
        {who === 'invitee' ? 'The host sees your reason.' : 'The invitee sees your reason.'}
      </p>
      {cancel.isError && <ErrorNotice error={cancel.error} title="The booking was not cancelled." />}
      <form onSubmit={submit}>
        <Field label="Reason for cancelling">
          {(p) => <textarea {...p} rows={3} value={reason} maxLength={1000} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        <div className="button-row">
          <button type="submit" className="btn danger" disabled={cancel.isPending}>
            {cancel.isPending ? 'Cancelling…' : 'Cancel meeting'}
          </button>
          <button type="button" className="btn" onClick={onBack}>Keep it</button>
        </div>
      </form>
    </section>
  );
}
