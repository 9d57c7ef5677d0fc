// The 12-hour / 24-hour choice, as a pair of radio buttons.
import { useId } from 'react';
import { usePrefs } from '../lib/prefs';

export function ClockToggle() {
  const { hour12, setHour12 } = usePrefs();
  const name = useId();
  return (
    <fieldset className="segmented" aria-label="Clock">
      <legend className="sr-only">Clock</legend>
      <label className={hour12 ? 'on' : undefined}>
        <input type="radio" name={name} checked={hour12} onChange={() => setHour12(true)} />
        am/pm
      </label>
      <label className={!hour12 ? 'on' : undefined}>
        <input type="radio" name={name} checked={!hour12} onChange={() => setHour12(false)} />
        24h
      </label>
    </fieldset>
  );
}
