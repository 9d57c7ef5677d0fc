// /:username/:slug — an invitee books a meeting: day → time → details →
// (on success) the confirmation at the booking's manage link.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { api, ApiError, isApiError } from '../../api/client';
import type { Answers, Booking, BookingInput, PublicMeetingTypePage } from '../../api/types';
import { BookingForm, emptyBookingForm, formFieldOf, type BookingFormValues, type FieldErrors } from '../../components/BookingForm';
import { TAKEN_MESSAGE } from '../../components/BookingParts';
import { EventInfo } from '../../components/EventInfo';
import { PublicShell } from '../../components/PublicShell';
import { SlotPicker, slotsQueryKey } from '../../components/SlotPicker';
import { ErrorNotice, Loading, Notice } from '../../components/ui';
import { newIdempotencyKey } from '../../lib/ids';
import { useTitle } from '../../lib/title';
import { usePrefs } from '../../lib/prefs';
import { formatDateLong, formatTimeRange } from '../../lib/time';

const routeApi = getRouteApi('/$username/$slug');


export function BookingPage() {
  const { username, slug } = routeApi.useParams();
  const typeQ = useQuery({
    queryKey: ['publicType', username, slug],
    queryFn: () => api.publicMeetingType(username, slug),
  });
  useTitle(typeQ.data ? `${typeQ.data.name} with ${typeQ.data.host.name}` : null);

  if (typeQ.isPending) return <PublicShell wide><div className="card booking-card"><Loading minHeight={560} /></div></PublicShell>;
  if (typeQ.isError) {
    return (
      <PublicShell>
        <div className="card narrow">
          {isApiError(typeQ.error, 'not_found') ? (
            <>
              <h1>This booking page is not available</h1>
              <p>The link may be mistyped, or the host has turned this meeting off.</p>
              <p><Link to="/$username" params={{ username }}>See the other meetings of {username}</Link></p>
            </>
          ) : <ErrorNotice error={typeQ.error} title="Could not load this page." onRetry={() => void typeQ.refetch()} />}
        </div>
      </PublicShell>
    );
  }
  return <BookingFlow mt={typeQ.data} />;
}

function BookingFlow({ mt }: { mt: PublicMeetingTypePage }) {
  const search = routeApi.useSearch();
  const navigate = routeApi.useNavigate();
  const go = useNavigate();
  const qc = useQueryClient();
  const { timeZone, hour12 } = usePrefs();
  const [values, setValues] = useState<BookingFormValues>(emptyBookingForm);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [taken, setTaken] = useState(false);
  const attempt = useRef<{ key: string; body: string } | null>(null);
  const inFlight = useRef(false);
  const book = useMutation({ mutationFn: (a: { input: BookingInput; key: string }) => api.book(a.input, a.key) });

  const start = search.start;
  const end = start ? new Date(Date.parse(start) + mt.duration_minutes * 60000).toISOString() : undefined;

  // Moving to the details step puts the focus (and the view) on its heading.
  const detailsHeading = useRef<HTMLHeadingElement>(null);
  const hadStart = useRef(!!start);
  useEffect(() => {
    if (start && !hadStart.current) detailsHeading.current?.focus();
    hadStart.current = !!start;
  }, [start]);

  async function submit() {
    if (!start || inFlight.current) return; // a second click while the first is on its way does nothing
    const answers: Answers = {};
    for (const q of mt.questions) {
      const a = values.answers[q.id];
      if (a !== undefined && a !== '') answers[q.id] = a;
    }
    const input: BookingInput = {
      meeting_type_id: mt.id, start_time: start, invitee_name: values.name.trim(),
      invitee_email: values.email.trim(), invitee_timezone: timeZone, notes: values.notes.trim(), answers,
    };
    // One key per attempt; the same request again (after a lost answer)
    // keeps its key, so the server books it once.
    const body = JSON.stringify(input);
    if (!attempt.current || attempt.current.body !== body) attempt.current = { key: newIdempotencyKey(), body };
    inFlight.current = true;
    setFieldErrors({});
    try {
      const booking = await book.mutateAsync({ input, key: attempt.current.key });
      onBooked(booking);
    } catch (e) {
      if (e instanceof ApiError && e.status < 500 && e.code !== 'idempotency_in_flight') attempt.current = null;
      if (isApiError(e, 'slot_unavailable')) {
        setTaken(true);
        book.reset();
        void qc.invalidateQueries({ queryKey: slotsQueryKey(mt.id) });
        void navigate({ search: (s) => ({ ...s, start: undefined }), replace: true });
      } else if (e instanceof ApiError && e.field) {
        const f = formFieldOf(e.field);
        if (f) setFieldErrors({ [f]: e.message });
      }
    } finally {
      inFlight.current = false;
    }
  }

  function onBooked(b: Booking) {
    const token = b.manage_token;
    qc.setQueryData(['booking', b.id, token], b);
    qc.setQueryData(['meetingType', mt.id], mt);
    qc.setQueryData(['user', mt.host.id], mt.host);
    void qc.invalidateQueries({ queryKey: slotsQueryKey(mt.id) });
    void go({ to: '/booking/$id', params: { id: b.id }, search: { token, booked: true } });
  }

  const showError = book.isError && !isApiError(book.error, 'slot_unavailable') &&
    !(book.error instanceof ApiError && book.error.field && formFieldOf(book.error.field));

  return (
    <PublicShell wide>
      <div className="card booking-card">
        <EventInfo mt={mt} host={mt.host} />
        <div className="booking-main">
          {start && end ? (
            <section aria-labelledby="details-h">
              <button type="button" className="back-btn" onClick={() => void navigate({ search: (s) => ({ ...s, start: undefined }) })}>
                <svg viewBox="0 0 20 20" aria-hidden="true"><path d="M12.5 4.5 7 10l5.5 5.5" /></svg> Back to times
              </button>
              <h2 id="details-h" ref={detailsHeading} tabIndex={-1} className="step-heading">Your details</h2>
              <p className="chosen-time">
                <strong>{formatTimeRange(start, end, timeZone, hour12)}</strong>, {formatDateLong(start, timeZone)}
                <span className="muted"> · {timeZone.replace(/_/g, ' ')}</span>
              </p>
              {showError && <ErrorNotice error={book.error} title="The booking did not go through." />}
              <BookingForm questions={mt.questions} values={values} onChange={setValues} onSubmit={() => void submit()}
                submitting={book.isPending} errors={fieldErrors} submitLabel="Confirm booking" />
            </section>
          ) : (
            <>
              <h2 className="sr-only">Pick a day and time</h2>
              <SlotPicker
                meetingTypeId={mt.id}
                month={search.month}
                onMonthChange={(month) => void navigate({ search: (s) => ({ ...s, month, date: undefined }) })}
                date={search.date}
                onDateChange={(date) => { setTaken(false); void navigate({ search: (s) => ({ ...s, date }) }); }}
                onPick={(slot) => { setTaken(false); void navigate({ search: (s) => ({ ...s, start: slot.start }) }); }}
                showSeats={mt.kind === 'group'}
                message={taken ? <Notice kind="warning">{TAKEN_MESSAGE}</Notice> : null}
              />
            </>
          )}
        </div>
      </div>
    </PublicShell>
  );
}
