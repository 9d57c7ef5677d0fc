// /dashboard — the host's meeting types: on/off, copy link, edit.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api } from '../../api/client';
import type { MeetingType } from '../../api/types';
import { CopyButton } from '../../components/CopyButton';
import { ErrorNotice, Loading, PageTitle } from '../../components/ui';
import { formatDuration } from '../../lib/time';
import { useHost } from './DashboardLayout';

export const meetingTypesKey = ['meetingTypes'] as const;

export function useMeetingTypes() {
  return useQuery({ queryKey: meetingTypesKey, queryFn: async () => (await api.meetingTypes()).data });
}

export const KIND_LABELS: Record<MeetingType['kind'], string> = {
  one_on_one: 'One-on-one', group: 'Group', collective: 'Collective', round_robin: 'Round robin',
};

export function MeetingTypesPage() {
  const q = useMeetingTypes();
  return (
    <>
      <PageTitle actions={<Link className="btn primary" to="/dashboard/meeting-types/new">New meeting type</Link>}>
        Meeting types
      </PageTitle>
      {q.isPending ? <Loading minHeight={240} /> : q.isError ? (
        <ErrorNotice error={q.error} title="Could not load your meeting types." onRetry={() => void q.refetch()} />
      ) : q.data.length === 0 ? (
        <div className="empty card">
          <h2>No meeting types yet</h2>
          <p>A meeting type is something people can book with you, like a 30-minute intro call.</p>
          <Link className="btn primary" to="/dashboard/meeting-types/new">Create your first one</Link>
        </div>
      ) : (
        <ul className="mt-list">
          {q.data.map((mt) => <MeetingTypeCard key={mt.id} mt={mt} />)}
        </ul>
      )}
    </>
  );
}

function MeetingTypeCard({ mt }: { mt: MeetingType }) {
  const host = useHost();
  const qc = useQueryClient();
  const url = `${window.location.origin}/${host.username}/${mt.slug}`;
  const toggle = useMutation({
    mutationFn: (is_active: boolean) => api.updateMeetingType(mt.id, { is_active }),
    onSuccess: (updated) => qc.setQueryData<MeetingType[]>(meetingTypesKey, (l) => l?.map((x) => (x.id === updated.id ? updated : x))),
  });
  const active = toggle.isPending ? toggle.variables : mt.is_active;
  return (
    <li className={`card mt-card ${active ? '' : 'inactive'}`} style={{ borderTopColor: mt.color }}>
      <div className="mt-card-top">
        <h2><Link to="/dashboard/meeting-types/$id" params={{ id: mt.id }}>{mt.name}</Link></h2>
        <button type="button" role="switch" aria-checked={active} className="switch"
          aria-label={`${mt.name}: taking bookings`} disabled={toggle.isPending} onClick={() => toggle.mutate(!mt.is_active)}>
          <span className="switch-track" aria-hidden="true"><span className="switch-thumb" /></span>
          <span className="switch-text">{active ? 'On' : 'Off'}</span>
        </button>
      </div>
      <p className="muted">{formatDuration(mt.duration_minutes)} · {KIND_LABELS[mt.kind]}{mt.location ? ` · ${mt.location}` : ''}</p>
      <p className="mt-url mono">/{host.username}/{mt.slug}</p>
      {toggle.isError && <ErrorNotice error={toggle.error} />}
      <div className="button-row">
        <CopyButton text={url} />
        <a className="btn small" href={`/${host.username}/${mt.slug}`} target="_blank" rel="noopener">View page</a>
        <Link className="btn small" to="/dashboard/meeting-types/$id" params={{ id: mt.id }}>Edit</Link>
      </div>
    </li>
  );
}
