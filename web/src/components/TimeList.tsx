// The start times offered on one day, as buttons.
import type { Slot } from '../api/types';
import { formatTime } from '../lib/time';

interface Props {
  slots: Slot[];
  tz: string;
  hour12: boolean;
  onPick: (slot: Slot) => void;
  selectedStart?: string | undefined;
  showSeats?: boolean;
}

export function TimeList({ slots, tz, hour12, onPick, selectedStart, showSeats }: Props) {
  return (
    <ul className="time-list">
      {slots.map((s) => (
        <li key={s.start}>
          <button type="button" className={`time ${s.start === selectedStart ? 'selected' : ''}`}
            aria-pressed={s.start === selectedStart} onClick={() => onPick(s)}>
            {formatTime(s.start, tz, hour12)}
            {showSeats && <span className="seats">{s.seats_remaining} left</span>}
          </button>
        </li>
      ))}
    </ul>
  );
}
