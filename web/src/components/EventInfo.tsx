// The left column of the booking pages: who, what, how long, where.
import type { PublicMeetingType, PublicProfile } from '../api/types';
import { formatDuration } from '../lib/time';

export function initials(name: string): string {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]!.toUpperCase()).join('') || '?';
}

export function Avatar({ name, color }: { name: string; color?: string | undefined }) {
  return <span className="avatar" aria-hidden="true" style={color ? { background: color } : undefined}>{initials(name)}</span>;
}

export function EventInfo({ mt, host }: { mt: PublicMeetingType; host: PublicProfile }) {
  return (
    <aside className="event-info" style={{ borderTopColor: mt.color }}>
      <div className="host-line">
        <Avatar name={host.name} />
        <span>{host.name}</span>
      </div>
      <h1 className="event-name">{mt.name}</h1>
      <ul className="event-facts">
        <li>
          <svg viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="7.5" /><path d="M10 5.5V10l3 2" /></svg>
          {formatDuration(mt.duration_minutes)}
        </li>
        {mt.location && (
          <li>
            <svg viewBox="0 0 20 20" aria-hidden="true"><path d="M10 18s6-5.2 6-10a6 6 0 1 0-12 0c0 4.8 6 10 6 10Z" /><circle cx="10" cy="8" r="2" /></svg>
            {mt.location}
          </li>
        )}
        {mt.kind === 'group' && mt.seats > 1 && (
          <li>
            <svg viewBox="0 0 20 20" aria-hidden="true"><circle cx="7" cy="7" r="3" /><circle cx="14" cy="8" r="2.4" /><path d="M2 17c0-3 2.2-5 5-5s5 2 5 5M12.5 12.3c2.7-.4 5.5 1.2 5.5 4.7" /></svg>
            Group meeting, up to {mt.seats} people
          </li>
        )}
      </ul>
      {mt.description && <p className="event-desc">{mt.description}</p>}
    </aside>
  );
}
