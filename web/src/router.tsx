// The app's routes. Static paths (/login, /dashboard, /booking/…) rank
// above the host pages /:username and /:username/:slug; the server keeps
// those words out of usernames.
import { createRootRoute, createRoute, createRouter, Outlet } from '@tanstack/react-router';
import { DashboardLayout } from './pages/dashboard/DashboardLayout';
import { MeetingTypesPage } from './pages/dashboard/MeetingTypesPage';
import { MeetingTypeEditPage, MeetingTypeNewPage } from './pages/dashboard/MeetingTypeEditor';
import { AvailabilityPage } from './pages/dashboard/AvailabilityPage';
import { BookingsPage } from './pages/dashboard/BookingsPage';
import { HostBookingPage } from './pages/dashboard/HostBookingPage';
import { HomePage, LoginPage, SignupPage } from './pages/AuthPages';
import { NotFoundPage } from './pages/NotFoundPage';
import { HostProfilePage } from './pages/public/HostProfilePage';
import { BookingPage } from './pages/public/BookingPage';
import { ManageBookingPage } from './pages/public/ManageBookingPage';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const match = (v: unknown, re: RegExp): string | undefined => {
  const s = str(v);
  return s && re.test(s) ? s : undefined;
};

const rootRoute = createRootRoute({
  component: () => (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      <Outlet />
    </>
  ),
  notFoundComponent: NotFoundPage,
});

const homeRoute = createRoute({ getParentRoute: () => rootRoute, path: '/', component: HomePage });

const loginRoute = createRoute({
  getParentRoute: () => rootRoute, path: 'login', component: LoginPage,
  validateSearch: (s: Record<string, unknown>): { redirect?: string | undefined } => ({
    redirect: match(s.redirect, /^\/(?!\/)/),
  }),
});

const signupRoute = createRoute({ getParentRoute: () => rootRoute, path: 'signup', component: SignupPage });

const dashboardRoute = createRoute({ getParentRoute: () => rootRoute, path: 'dashboard', component: DashboardLayout });
const dashboardIndexRoute = createRoute({ getParentRoute: () => dashboardRoute, path: '/', component: MeetingTypesPage });
const newTypeRoute = createRoute({ getParentRoute: () => dashboardRoute, path: 'meeting-types/new', component: MeetingTypeNewPage });
const editTypeRoute = createRoute({ getParentRoute: () => dashboardRoute, path: 'meeting-types/$id', component: MeetingTypeEditPage });
const availabilityRoute = createRoute({ getParentRoute: () => dashboardRoute, path: 'availability', component: AvailabilityPage });

export type BookingsTab = 'upcoming' | 'past' | 'cancelled';
const bookingsRoute = createRoute({
  getParentRoute: () => dashboardRoute, path: 'bookings', component: BookingsPage,
  validateSearch: (s: Record<string, unknown>): { tab?: BookingsTab | undefined } => ({
    tab: s.tab === 'past' || s.tab === 'cancelled' || s.tab === 'upcoming' ? s.tab : undefined,
  }),
});
const hostBookingRoute = createRoute({ getParentRoute: () => dashboardRoute, path: 'bookings/$id', component: HostBookingPage });

const manageRoute = createRoute({
  getParentRoute: () => rootRoute, path: 'booking/$id', component: ManageBookingPage,
  validateSearch: (s: Record<string, unknown>): { token?: string | undefined; booked?: boolean | undefined } => ({
    token: str(s.token),
    booked: s.booked === true || s.booked === 1 || s.booked === '1' || s.booked === 'true' ? true : undefined,
  }),
});

const hostRoute = createRoute({ getParentRoute: () => rootRoute, path: '$username', component: HostProfilePage });

export interface BookSearch {
  month?: string | undefined;
  date?: string | undefined;
  start?: string | undefined;
}
const bookRoute = createRoute({
  getParentRoute: () => rootRoute, path: '$username/$slug', component: BookingPage,
  validateSearch: (s: Record<string, unknown>): BookSearch => ({
    month: match(s.month, /^\d{4}-\d{2}$/),
    date: match(s.date, /^\d{4}-\d{2}-\d{2}$/),
    start: match(s.start, /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/),
  }),
});

const routeTree = rootRoute.addChildren([
  homeRoute, loginRoute, signupRoute,
  dashboardRoute.addChildren([dashboardIndexRoute, newTypeRoute, editTypeRoute, availabilityRoute, bookingsRoute,
    hostBookingRoute]),
  manageRoute, hostRoute, bookRoute,
]);

export const router = createRouter({ routeTree, defaultPreload: 'intent', scrollRestoration: true });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
