// "Add to calendar" links for Google Calendar and Outlook, and the
// booking's manage link. Pure functions of their inputs.

export interface EventInfo {
  title: string;
  start: string; // RFC 3339 instant
  end: string;
  details?: string;
  location?: string;
}

/** `20270302T140000Z`, the form Google's `dates` parameter takes. */
export function compactUtc(instant: string): string {
  return new Date(instant).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function googleCalendarUrl(e: EventInfo): string {
  const p = new URLSearchParams({
    action: 'TEMPLATE',
    text: e.title,
    dates: `${compactUtc(e.start)}/${compactUtc(e.end)}`,
  });
  if (e.details) p.set('details', e.details);
  if (e.location) p.set('location', e.location);
  return `https://calendar.google.com/calendar/render?${p.toString()}`;
}

export function outlookCalendarUrl(e: EventInfo): string {
  const iso = (s: string) => new Date(s).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const p = new URLSearchParams({
    path: '/calendar/action/compose',
    rru: 'addevent',
    subject: e.title,
    startdt: iso(e.start),
    enddt: iso(e.end),
  });
  if (e.details) p.set('body', e.details);
  if (e.location) p.set('location', e.location);
  return `https://outlook.live.com/calendar/0/deeplink/compose?${p.toString()}`;
}

/** The invitee's link to see, reschedule or cancel a booking. */
export function manageUrl(origin: string, id: string, token: string): string {
  return `${origin}/booking/${encodeURIComponent(id)}?token=${encodeURIComponent(token)}`;
}
