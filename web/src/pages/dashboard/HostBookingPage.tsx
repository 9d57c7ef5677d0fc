// /dashboard/bookings/:id — one booking, seen by its host: details,
// answers, reschedule, cancel.
import { useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { api, isApiError } from '../../api/client';
import type { MeetingType } from '../../api/types';
import { AddToCalendar, AnswersList, BookingTimes, bookingQueryKey, CancelForm, RescheduleFlow } from '../../components/BookingParts';
import { ErrorNotice, Loading, Notice, PageTitle } from '../../components/ui';
import { formatDuration } from '../../lib/time';
import { useHost } from './DashboardLayout';

const routeApi = getRouteApi('/dashboard/bookings/$id');

export function HostBookingPage() {
  const { id } = routeApi.useParams();
  const host = useHost();
  const q = useQuery({ queryKey: bookingQueryKey(id), queryFn: () => api.booking(id) });
  const typeQ = useQuery({
    queryKey: ['meetingType', q.data?.meeting_type_id, 'owner'],
    queryFn: () => api.meetingType(q.data!.meeting_type_id) as Promise<MeetingType>,
    enabled: !!q.data,
    retry: false,
  });
  const [mode, setMode] = useState<'view' | 'reschedule' | 'cancel'>('view');
  const [flash, setFlash] = useState<string | null>(null);

  const back = <Link className="btn" to="/dashboard/bookings">All bookings</Link>;
  if (q.isPending) return <><PageTitle actions={back}>Booking</PageTitle><Loading minHeight={320} /></>;
  if (q.isError) {
    return (
      <>
        <PageTitle actions={back}>Booking</PageTitle>
        {isApiError(q.error, 'not_found') ? <p>This booking does not exist, or is not yours.</p>
          : <ErrorNotice error={q.error} onRetry={() => void q.refetch()} />}
      </>
    );
  }
  const b = q.data;
  const mt = typeQ.data ?? null;
  const cancelled = b.status === 'cancelled';
  const title = `${mt?.name ?? 'Meeting'} with ${b.invitee_name}`;

  return (
    <>
      <PageTitle actions={back}>{title}</PageTitle>
      {flash && <Notice kind="success">{flash}</Notice>}
      <div className={`card section host-booking ${cancelled ? 'is-cancelled' : ''}`}>
        {mode === 'reschedule' && mt ? (
          <RescheduleFlow booking={b} mt={mt} onCancel={() => setMode('view')}
            onDone={() => { setFlash('Moved to the new time.'); setMode('view'); }} />
        ) : (
          <>
            {cancelled && <Notice kind="info">Cancelled{b.cancellation_reason ? `: “${b.cancellation_reason}”` : '.'}</Notice>}
            <BookingTimes booking={b} viewerZone={host.time_zone} otherZone={b.invitee_timezone} otherLabel={`${b.invitee_name}'s time`} />
            <dl className="facts">
              <div><dt>Invitee</dt><dd>{b.invitee_name} · <a href={`mailto:${b.invitee_email}`}>{b.invitee_email}</a></dd></div>
              <div><dt>Meeting</dt><dd>{mt ? `${mt.name}, ${formatDuration(mt.duration_minutes)}` : '—'}{mt?.location ? ` · ${mt.location}` : ''}</dd></div>
              <div><dt>Status</dt><dd>{cancelled ? 'Cancelled' : 'Confirmed'}</dd></div>
              <div><dt>Booked</dt><dd>{new Date(b.created_at).toLocaleString(undefined, { timeZone: host.time_zone, dateStyle: 'medium', timeStyle: 'short' })}</dd></div>
            </dl>
            <AnswersList booking={b} questions={mt?.questions ?? []} />
            {!cancelled && mode === 'view' && (
              <>
                <AddToCalendar booking={b} event={{ title, start: b.start_time, end: b.end_time, location: mt?.location || undefined }} />
                <div className="button-row spaced">
                  <button type="button" className="btn" onClick={() => { setFlash(null); setMode('reschedule'); }} disabled={!mt}>Reschedule</button>
                  <button type="button" className="btn danger-outline" onClick={() => { setFlash(null); setMode('cancel'); }}>Cancel meeting</button>
                </div>
              </>
            )}
            {!cancelled && mode === 'cancel' && (
              <CancelForm booking={b} who="host" onBack={() => setMode('view')} onDone={() => { setFlash(null); setMode('view'); }} />
            )}
          </>
        )}
      </div>
    </>
  );
}
