// The typed API client. Same-origin requests authenticated by the
// `calendula_session` cookie; every state-changing request carries the
// `X-CSRF-Token` header copied from the readable `calendula_csrf` cookie.

import type {
  AvailabilityRule, Booking, BookingInput, BookingStatus, LoginAnswer, MeetingType,
  MeetingTypeInput, Override, Page, PublicMeetingType, PublicMeetingTypePage, PublicProfile,
  PublicUserPage, RescheduleInput, Schedule, SignupInput, SlotsAnswer, User, WallInterval,
} from './types';

/** An answer with an error status, carrying the API's error object. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | null;
  readonly retryAfter: number | null;

  constructor(status: number, code: string, message: string, field: string | null,
    retryAfter: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
  }
}

export function isApiError(e: unknown, code?: string): e is ApiError {
  return e instanceof ApiError && (code === undefined || e.code === code);
}

/** A sentence for any error a request may end with. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'rate_limited' && e.retryAfter)
      return `${e.message} Try again in ${Math.ceil(e.retryAfter / 60)} minute(s).`;
    return e.message;
  }
  if (e instanceof TypeError) return 'Could not reach the server. Check your connection and try again.';
  return e instanceof Error ? e.message : 'Something went wrong.';
}

export function readCookie(name: string): string | null {
  if (typeof document === 'undefined') return null;
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

type Query = Record<string, string | number | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = readCookie('calendula_csrf');
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  const res = await fetch(withQuery(`/api${path}`, opts.query), {
    method,
    headers,
    credentials: 'same-origin',
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: opts.signal,
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; field?: string | null } } | null)?.error;
    const retry = Number(res.headers.get('Retry-After'));
    throw new ApiError(res.status, err?.code ?? `http_${res.status}`,
      err?.message ?? `The server answered ${res.status}.`, err?.field ?? null,
      Number.isFinite(retry) && retry > 0 ? retry : null);
  }
  return json as T;
}

const enc = encodeURIComponent;

export const api = {
  // Users and sessions
  signup: (input: SignupInput) => request<User>('POST', '/users', { body: input }),
  login: (email: string, password: string) =>
    request<LoginAnswer>('POST', '/auth/login', { body: { email, password } }),
  logout: () => request<void>('POST', '/auth/logout'),
  me: () => request<User>('GET', '/me'),
  updateMe: (patch: { name?: string; time_zone?: string; password?: string }) =>
    request<User>('PATCH', '/me', { body: patch }),
  user: (id: string) => request<PublicProfile>('GET', `/users/${enc(id)}`),

  // Meeting types
  meetingTypes: () => request<{ data: MeetingType[] }>('GET', '/meeting-types'),
  meetingType: (id: string) => request<MeetingType | PublicMeetingType>('GET', `/meeting-types/${enc(id)}`),
  createMeetingType: (input: Partial<MeetingTypeInput>) =>
    request<MeetingType>('POST', '/meeting-types', { body: input }),
  updateMeetingType: (id: string, patch: Partial<MeetingTypeInput>) =>
    request<MeetingType>('PATCH', `/meeting-types/${enc(id)}`, { body: patch }),
  deleteMeetingType: (id: string) => request<void>('DELETE', `/meeting-types/${enc(id)}`),
  publicUser: (username: string) => request<PublicUserPage>('GET', `/public/users/${enc(username)}`),
  publicMeetingType: (username: string, slug: string) =>
    request<PublicMeetingTypePage>('GET', `/public/users/${enc(username)}/meeting-types/${enc(slug)}`),

  // Availability
  schedule: () => request<Schedule>('GET', '/availability/rules'),
  saveSchedule: (time_zone: string, rules: AvailabilityRule[]) =>
    request<Schedule>('POST', '/availability/rules', { body: { time_zone, rules } }),
  overrides: (from?: string, to?: string) =>
    request<{ overrides: Override[] }>('GET', '/availability/overrides', { query: { from, to } }),
  saveOverride: (date: string, intervals: WallInterval[]) =>
    request<Override>('PUT', `/availability/overrides/${enc(date)}`, { body: { intervals } }),
  deleteOverride: (date: string) => request<void>('DELETE', `/availability/overrides/${enc(date)}`),
  slots: (q: { meeting_type_id: string; start_date: string; end_date: string; timezone: string },
    signal?: AbortSignal) => request<SlotsAnswer>('GET', '/availability/slots', { query: q, signal }),

  // Bookings
  book: (input: BookingInput, idempotencyKey: string) =>
    request<Booking>('POST', '/bookings', { body: input, headers: { 'Idempotency-Key': idempotencyKey } }),
  booking: (id: string, token?: string) =>
    request<Booking>('GET', `/bookings/${enc(id)}`, { query: { token } }),
  reschedule: (id: string, input: RescheduleInput, token?: string) =>
    request<Booking>('PUT', `/bookings/${enc(id)}/reschedule`, { query: { token }, body: input }),
  cancel: (id: string, reason: string, token?: string) =>
    request<Booking>('DELETE', `/bookings/${enc(id)}`, { query: { token }, body: { reason } }),
  hostBookings: (userId: string, q: { from?: string; to?: string; status?: BookingStatus; cursor?: string; limit?: number }) =>
    request<Page<Booking>>('GET', `/users/${enc(userId)}/bookings`, { query: q }),
};

/** The .ics download address for a booking (a plain link, so no fetch). */
export function icsUrl(id: string, token?: string): string {
  return withQuery(`/api/bookings/${enc(id)}/ics`, { token });
}
