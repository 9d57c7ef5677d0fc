import { describe, expect, it } from 'vitest';
import { compactUtc, googleCalendarUrl, manageUrl, outlookCalendarUrl } from './calendarLinks';

describe('calendar links', () => {
  const e = { title: 'Intro call: Ann and Raj', start: '2027-03-02T14:00:00Z', end: '2027-03-02T14:30:00Z',
    location: 'Zoom' };
  it('builds a Google link', () => {
    expect(compactUtc(e.start)).toBe('20270302T140000Z');
    const u = new URL(googleCalendarUrl(e));
    expect(u.searchParams.get('dates')).toBe('20270302T140000Z/20270302T143000Z');
    expect(u.searchParams.get('text')).toBe(e.title);
    expect(u.searchParams.get('location')).toBe('Zoom');
  });
  it('builds an Outlook link', () => {
    const u = new URL(outlookCalendarUrl(e));
    expect(u.searchParams.get('startdt')).toBe('2027-03-02T14:00:00Z');
    expect(u.searchParams.get('subject')).toBe(e.title);
  });
  it('builds the manage link', () => {
    expect(manageUrl('https://x.test', 'a-b', 't/k+n')).toBe('https://x.test/booking/a-b?token=t%2Fk%2Bn');
  });
});
