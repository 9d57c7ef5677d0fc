// /booking/:id?token=… — the invitee's page for one booking: the
// confirmation right after booking, and later reschedule or cancel.
import { useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { api, isApiError } from '../../api/client';
import type { Booking, PublicMeetingType, PublicProfile } from '../../api/types';
import { AddToCalendar, AnswersList, BookingTimes, bookingQueryKey, CancelForm, RescheduleFlow } from '../../components/BookingParts';
import { CopyButton } from '../../components/CopyButton';
import { Avatar } from '../../components/EventInfo';
import { PublicShell } from '../../components/PublicShell';
import { ErrorNotice, Loading, Notice } from '../../components/ui';
import { manageUrl } from '../../lib/calendarLinks';
import { formatDuration } from '../../lib/time';
import { useTitle } from '../../lib/title';

const routeApi = getRouteApi('/booking/$id');

type Mode = 'view' | 'reschedule' | 'cancel';

export function ManageBookingPage() {
  const { id } = routeApi.useParams();
  const { token, booked } = routeApi.useSearch();
  const bookingQ = useQuery({ queryKey: bookingQueryKey(id, token), queryFn: () => api.booking(id, token) });
  const b = bookingQ.data;
  useTitle(booked ? 'Booked' : 'Your booking');
  const typeQ = useQuery({
    queryKey: ['meetingType', b?.meeting_type_id],
    queryFn: () => api.meetingType(b!.meeting_type_id) as Promise<PublicMeetingType>,
    enabled: !!b,
    retry: false,
  });
  const hostQ = useQuery({
    queryKey: ['user', b?.host_user_id],
    queryFn: () => api.user(b!.host_user_id),
    enabled: !!b,
  });

  if (bookingQ.isPending) return <PublicShell><div className="card narrow"><Loading minHeight={360} /></div></PublicShell>;
  if (bookingQ.isError) {
    return (
      <PublicShell>
        <div className="card narrow">
          {isApiError(bookingQ.error, 'not_found') ? (
            <>
              <h1>We could not find this booking</h1>
              <p>The link may be incomplete. Open the link from your confirmation email again, in full.</p>
            </>
          ) : <ErrorNotice error={bookingQ.error} title="Could not load the booking." onRetry={() => void bookingQ.refetch()} />}
        </div>
      </PublicShell>
    );
  }
  return <ManageBooking booking={bookingQ.data} token={token} justBooked={!!booked}
    mt={typeQ.data ?? null} mtMissing={typeQ.isError} host={hostQ.data ?? null} />;
}

function ManageBooking({ booking, token, justBooked, mt, mtMissing, host }: { booking: Booking; token?: string | undefined;
  justBooked: boolean; mt: PublicMeetingType | null; mtMissing: boolean; host: PublicProfile | null }) {
  const [mode, setMode] = useState<Mode>('view');
  const [flash, setFlash] = useState<string | null>(null);
  const cancelled = booking.status === 'cancelled';
  const title = mt ? `${mt.name}${host ? ` with ${host.name}` : ''}` : host ? `Meeting with ${host.name}` : 'Meeting';
  const link = token ? manageUrl(window.location.origin, booking.id, token) : null;
  const event = {
    title, start: booking.start_time, end: booking.end_time, location: mt?.location || undefined,
    details: link ? `Reschedule or cancel: ${link}` : undefined,
  };

  let heading = title;
  if (cancelled) heading = 'This meeting is cancelled';
  else if (flash) heading = flash;
  else if (justBooked) heading = 'You are booked';

  return (
    <PublicShell wide={mode === 'reschedule'}>
      <div className={`card ${mode === 'reschedule' ? 'booking-card single' : 'narrow'} manage`}>
        <header className="manage-head">
          {!cancelled && (justBooked || flash) && (
            <span className="check-badge" aria-hidden="true">
              <svg viewBox="0 0 20 20"><path d="m5 10.5 3.2 3L15 6.5" /></svg>
            </span>
          )}
          <h1>{heading}</h1>
          {!cancelled && (justBooked || flash) && (
            <p className="muted">Keep the link below: it lets you reschedule or cancel.</p>
          )}
        </header>

        {mode === 'reschedule' && mt ? (
          <RescheduleFlow booking={booking} mt={mt} token={token} onCancel={() => setMode('view')}
            onDone={() => { setFlash('Your meeting has moved'); setMode('view'); }} />
        ) : (
          <>
            <div className="manage-summary">
              <div className="host-line">
                {host && <Avatar name={host.name} />}
                <div>
                  <strong>{mt?.name ?? 'Meeting'}</strong>
                  {host && <div className="muted">with {host.name}</div>}
                </div>
              </div>
              <BookingTimes booking={booking} otherZone={host?.time_zone} otherLabel={host ? `${host.name}'s time` : 'Host time'} />
              <ul className="event-facts inline">
                <li>{formatDuration(Math.round((Date.parse(booking.end_time) - Date.parse(booking.start_time)) / 60000))}</li>
                {mt?.location && <li>{mt.location}</li>}
                <li>Booked for {booking.invitee_name} ({booking.invitee_email})</li>
              </ul>
              {cancelled && (
                <Notice kind="info">
                  Cancelled{booking.cancellation_reason ? `: “${booking.cancellation_reason}”` : '.'}
                </Notice>
              )}
              <AnswersList booking={booking} questions={mt?.questions ?? []} />
            </div>

            {!cancelled && mode === 'view' && (
              <>
                <h2 className="small-h">Add to your calendar</h2>
                <AddToCalendar booking={booking} token={token} event={event} />
                {link && (
                  <div className="manage-link">
                    <h2 className="small-h">Your link to change this booking</h2>
                    <div className="copy-row">
                      <input type="text" readOnly value={link} aria-label="Manage link" onFocus={(e) => e.target.select()} />
                      <CopyButton text={link} label="Copy link" />
                    </div>
                  </div>
                )}
                <div className="button-row spaced">
                  <button type="button" className="btn" onClick={() => setMode('reschedule')} disabled={!mt}>Reschedule</button>
                  <button type="button" className="btn danger-outline" onClick={() => setMode('cancel')}>Cancel meeting</button>
                </div>
                {mtMissing && <p className="muted">This meeting type is no longer offered, so it cannot be moved; you can still cancel.</p>}
              </>
            )}
            {!cancelled && mode === 'cancel' && (
              <CancelForm booking={booking} token={token} who="invitee" onBack={() => setMode('view')}
                onDone={() => { setFlash(null); setMode('view'); }} />
            )}
            {cancelled && host && mt && (
              <p><Link to="/$username/$slug" params={{ username: host.username, slug: mt.slug }}>Book another time</Link></p>
            )}
          </>
        )}
      </div>
    </PublicShell>
  );
}
