// The signed-in frame: header with navigation, and the page below.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useLocation, useNavigate } from '@tanstack/react-router';
import { api } from '../../api/client';
import type { User } from '../../api/types';
import { ClockToggle } from '../../components/ClockToggle';
import { Redirect } from '../../components/Redirect';
import { ErrorNotice, Loading } from '../../components/ui';
import { meQueryKey, useMe } from '../../lib/auth';

/** The signed-in host; only for pages inside the dashboard. */
export function useHost(): User {
  const me = useMe();
  if (!me.data) throw new Error('useHost outside the dashboard');
  return me.data;
}

export function DashboardLayout() {
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const logout = useMutation({
    mutationFn: () => api.logout(),
    onSettled: () => {
      qc.clear();
      qc.setQueryData(meQueryKey, null);
      void navigate({ to: '/login' });
    },
  });

  if (me.isPending) return <div className="dash"><Loading minHeight={300} /></div>;
  if (me.isError) return <div className="dash"><main id="main" className="dash-main"><ErrorNotice error={me.error} onRetry={() => void me.refetch()} /></main></div>;
  if (!me.data) return <Redirect to="/login" redirect={logout.isIdle ? location.href : undefined} />;

  return (
    <div className="dash">
      <header className="dash-header">
        <div className="dash-header-inner">
          <Link to="/dashboard" className="brand">
            <svg viewBox="0 0 32 32" aria-hidden="true"><rect x="3" y="5" width="26" height="24" rx="5" fill="#e8590c" /><rect x="3" y="5" width="26" height="7" rx="3" fill="#c2410c" /><circle cx="16" cy="20" r="5" fill="#fff" /></svg>
            <span>Calendula</span>
          </Link>
          <nav aria-label="Dashboard" className="dash-nav">
            <Link to="/dashboard" activeOptions={{ exact: true }} activeProps={{ className: 'active', 'aria-current': 'page' }}>Meeting types</Link>
            <Link to="/dashboard/availability" activeProps={{ className: 'active', 'aria-current': 'page' }}>Availability</Link>
            <Link to="/dashboard/bookings" activeProps={{ className: 'active', 'aria-current': 'page' }}>Bookings</Link>
          </nav>
          <div className="dash-user">
            <ClockToggle />
            <a href={`/${me.data.username}`} className="muted small-link" target="_blank" rel="noopener">/{me.data.username}</a>
            <button type="button" className="btn small" onClick={() => logout.mutate()} disabled={logout.isPending}>Log out</button>
          </div>
        </div>
      </header>
      <main id="main" className="dash-main">
        <Outlet />
      </main>
    </div>
  );
}
