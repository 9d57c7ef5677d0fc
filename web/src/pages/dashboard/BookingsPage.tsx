// /dashboard/bookings — upcoming, past and cancelled bookings.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { api } from '../../api/client';
import type { Booking, MeetingType } from '../../api/types';
import { ErrorNotice, Loading, PageTitle } from '../../components/ui';
import { usePrefs } from '../../lib/prefs';
import { dateKeyInZone, formatDateKey, formatTimeRange } from '../../lib/time';
import type { BookingsTab } from '../../router';
import { useHost } from './DashboardLayout';
import { useMeetingTypes } from './MeetingTypesPage';

const routeApi = getRouteApi('/dashboard/bookings');

const TABS: { id: BookingsTab; label: string }[] = [
  { id: 'upcoming', label: 'Upcoming' }, { id: 'past', label: 'Past' }, { id: 'cancelled', label: 'Cancelled' },
];

export function BookingsPage() {
  const { tab = 'upcoming' } = routeApi.useSearch();
  return (
    <>
      <PageTitle>Bookings</PageTitle>
      <nav className="tabs" aria-label="Which bookings">
        {TABS.map((t) => (
          <Link key={t.id} to="/dashboard/bookings" search={{ tab: t.id }} className={t.id === tab ? 'active' : undefined}
            aria-current={t.id === tab ? 'page' : undefined}>{t.label}</Link>
        ))}
      </nav>
      {tab === 'past' ? <PastBookings /> : <PagedBookings key={tab} tab={tab} />}
    </>
  );
}

/** Upcoming (from now, soonest first) or cancelled, a page at a time. */
function PagedBookings({ tab }: { tab: 'upcoming' | 'cancelled' }) {
  const host = useHost();
  const [now] = useState(() => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
  const q = useInfiniteQuery({
    queryKey: ['hostBookings', host.id, tab, tab === 'upcoming' ? now : null],
    queryFn: ({ pageParam }) => api.hostBookings(host.id, tab === 'upcoming'
      ? { from: now, status: 'confirmed', cursor: pageParam, limit: 50 }
      : { status: 'cancelled', cursor: pageParam, limit: 50 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  if (q.isPending) return <Loading minHeight={240} />;
  if (q.isError) return <ErrorNotice error={q.error} title="Could not load bookings." onRetry={() => void q.refetch()} />;
  const items = q.data.pages.flatMap((p) => p.data);
  return (
    <>
      <BookingList items={items} empty={tab === 'upcoming' ? 'No upcoming bookings. Share a link to get some.' : 'No cancelled bookings.'} />
      {q.hasNextPage && (
        <button type="button" className="btn block-center" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
          {q.isFetchingNextPage ? 'Loading…' : 'Show more'}
        </button>
      )}
    </>
  );
}

const PAST_RANGES = [7, 30, 90, 365];
const MAX_PAGES = 10;

/** Past bookings in a chosen range, most recent first. */
function PastBookings() {
  const host = useHost();
  const [days, setDays] = useState(30);
  const [now] = useState(() => Date.now());
  const q = useQuery({
    queryKey: ['hostBookings', host.id, 'past', days],
    queryFn: async () => {
      const to = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const from = new Date(now - days * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const all: Booking[] = [];
      let cursor: string | undefined;
      let more = false;
      for (let i = 0; i < MAX_PAGES; i++) {
        const page = await api.hostBookings(host.id, { from, to, status: 'confirmed', cursor, limit: 200 });
        all.push(...page.data);
        cursor = page.next_cursor ?? undefined;
        more = !!cursor;
        if (!cursor) break;
      }
      return { items: all.reverse(), more };
    },
  });
  return (
    <>
      <div className="filter-row">
        <label htmlFor="past-range">Show the last</label>
        <select id="past-range" value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {PAST_RANGES.map((d) => <option key={d} value={d}>{d === 365 ? 'year' : `${d} days`}</option>)}
        </select>
      </div>
      {q.isPending ? <Loading minHeight={240} /> : q.isError ? (
        <ErrorNotice error={q.error} title="Could not load bookings." onRetry={() => void q.refetch()} />
      ) : (
        <>
          <BookingList items={q.data.items} empty="No meetings in this period." />
          {q.data.more && <p className="muted">Only the most recent {MAX_PAGES * 200} are shown; pick a shorter period.</p>}
        </>
      )}
    </>
  );
}

function BookingList({ items, empty }: { items: Booking[]; empty: string }) {
  const host = useHost();
  const { hour12 } = usePrefs();
  const types = useMeetingTypes();
  const byId = new Map<string, MeetingType>((types.data ?? []).map((t) => [t.id, t]));
  if (!items.length) return <p className="empty card">{empty}</p>;
  const tz = host.time_zone;
  const groups: { day: string; list: Booking[] }[] = [];
  for (const b of items) {
    const day = dateKeyInZone(b.start_time, tz);
    const g = groups[groups.length - 1];
    if (g && g.day === day) g.list.push(b);
    else groups.push({ day, list: [b] });
  }
  return (
    <div className="booking-groups">
      {groups.map((g) => (
        <section key={g.day} className="booking-group" aria-label={formatDateKey(g.day, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' })}>
          <h2 className="group-date">{formatDateKey(g.day, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' })}</h2>
          <ul className="booking-rows card">
            {g.list.map((b) => {
              const mt = byId.get(b.meeting_type_id);
              return (
                <li key={b.id}>
                  <Link to="/dashboard/bookings/$id" params={{ id: b.id }} className={`booking-row ${b.status}`}>
                    <span className="row-time">{formatTimeRange(b.start_time, b.end_time, tz, hour12)}</span>
                    <span className="row-who">
                      <strong>{b.invitee_name}</strong>
                      <span className="muted">{b.invitee_email}</span>
                    </span>
                    <span className="row-type">
                      <span className="dot" style={{ background: mt?.color ?? '#94a3b8' }} aria-hidden="true" />
                      {mt?.name ?? 'Meeting'}
                    </span>
                    {b.status === 'cancelled' && <span className="badge">Cancelled</span>}
                  </Link>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
      <p className="muted small">Times in {tz.replace(/_/g, ' ')}.</p>
    </div>
  );
}
