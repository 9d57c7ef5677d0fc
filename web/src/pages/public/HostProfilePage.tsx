// /:username — the host's active meeting types.
import { useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { api, isApiError } from '../../api/client';
import { Avatar } from '../../components/EventInfo';
import { PublicShell } from '../../components/PublicShell';
import { ErrorNotice, Loading } from '../../components/ui';
import { formatDuration } from '../../lib/time';
import { useTitle } from '../../lib/title';

const routeApi = getRouteApi('/$username');

export function HostProfilePage() {
  const { username } = routeApi.useParams();
  const q = useQuery({ queryKey: ['publicUser', username], queryFn: () => api.publicUser(username) });
  useTitle(q.data?.name);

  return (
    <PublicShell>
      <div className="card profile">
        {q.isPending ? <Loading minHeight={280} /> : q.isError ? (
          isApiError(q.error, 'not_found') ? (
            <>
              <h1>No one here by that name</h1>
              <p>There is no Calendula page for “{username}”. Check the link you were given.</p>
            </>
          ) : <ErrorNotice error={q.error} title="Could not load this page." onRetry={() => void q.refetch()} />
        ) : (
          <>
            <header className="profile-head">
              <Avatar name={q.data.name} />
              <h1>{q.data.name}</h1>
              <p className="muted">Pick a meeting to see the open times.</p>
            </header>
            {q.data.meeting_types.length === 0 ? (
              <p className="empty">{q.data.name} has no meetings open for booking right now.</p>
            ) : (
              <ul className="type-grid">
                {q.data.meeting_types.map((mt) => (
                  <li key={mt.id}>
                    <Link className="type-tile" to="/$username/$slug" params={{ username, slug: mt.slug }}
                      style={{ borderTopColor: mt.color }}>
                      <span className="type-name">{mt.name}</span>
                      <span className="type-meta">{formatDuration(mt.duration_minutes)}{mt.location ? ` · ${mt.location}` : ''}</span>
                      {mt.description && <span className="type-desc">{mt.description}</span>}
                      <span className="type-go" aria-hidden="true">→</span>
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
    </PublicShell>
  );
}
