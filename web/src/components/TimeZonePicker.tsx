// A searchable time zone list: an ARIA combobox over every zone the
// browser knows (Intl.supportedValuesOf), filtered as you type.
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { allTimeZones, formatOffset, tzOffsetMinutes, zoneCity } from '../lib/time';

interface Zone {
  name: string;
  label: string;
  offset: string;
  haystack: string;
}

let zoneCache: Zone[] | null = null;

function zones(): Zone[] {
  if (!zoneCache) {
    const now = Date.now();
    zoneCache = allTimeZones().map((name) => {
      const offset = formatOffset(tzOffsetMinutes(now, name));
      const label = name.replace(/_/g, ' ');
      return { name, label, offset, haystack: `${label} ${name} ${offset}`.toLowerCase() };
    });
  }
  return zoneCache;
}

export function zoneDisplay(tz: string): string {
  return `${tz.replace(/_/g, ' ')} (${formatOffset(tzOffsetMinutes(Date.now(), tz))})`;
}

interface Props {
  value: string;
  onChange: (tz: string) => void;
  label?: string;
  /** Hide the visible label (it stays for screen readers). */
  compactLabel?: boolean;
}

export function TimeZonePicker({ value, onChange, label = 'Time zone', compactLabel }: Props) {
  const id = useId();
  const listId = `${id}-list`;
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);

  const matches = useMemo(() => {
    const all = zones();
    const words = query.toLowerCase().replace(/_/g, ' ').split(/\s+/).filter(Boolean);
    if (!words.length) return all;
    // Cities that start with what was typed first, then other word starts,
    // then matches anywhere.
    const rank = (z: Zone) => {
      const city = zoneCity(z.name).toLowerCase();
      if (city.startsWith(words[0]!)) return 0;
      return z.haystack.split(/[\s/]+/).some((part) => part.startsWith(words[0]!)) ? 1 : 2;
    };
    return all.filter((z) => words.every((w) => z.haystack.includes(w)))
      .map((z) => ({ z, r: rank(z) }))
      .sort((a, b) => a.r - b.r)
      .map((x) => x.z);
  }, [query]);

  useEffect(() => {
    if (listRef.current) listRef.current.scrollTop = 0;
  }, [query]);

  function openList() {
    setQuery('');
    const i = zones().findIndex((z) => z.name === value);
    setActive(Math.max(0, i));
    setOpen(true);
    requestAnimationFrame(() => {
      const el = listRef.current?.querySelector('[aria-selected="true"]');
      if (el && 'scrollIntoView' in el) el.scrollIntoView({ block: 'nearest' });
    });
  }

  function choose(z: Zone | undefined) {
    if (!z) return;
    onChange(z.name);
    setOpen(false);
    setQuery('');
  }

  function move(delta: number) {
    setActive((a) => {
      const n = Math.min(matches.length - 1, Math.max(0, a + delta));
      requestAnimationFrame(() => {
        document.getElementById(`${id}-opt-${n}`)?.scrollIntoView({ block: 'nearest' });
      });
      return n;
    });
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) openList();
      else move(e.key === 'ArrowDown' ? 1 : -1);
    } else if (e.key === 'PageDown' || e.key === 'PageUp') {
      if (open) {
        e.preventDefault();
        move(e.key === 'PageDown' ? 8 : -8);
      }
    } else if (e.key === 'Enter') {
      if (open) {
        e.preventDefault();
        choose(matches[active]);
      }
    } else if (e.key === 'Escape') {
      if (open) {
        e.preventDefault();
        setOpen(false);
        setQuery('');
      }
    }
  }

  const shown = open ? query : zoneDisplay(value);

  return (
    <div className={`tz-picker ${open ? 'open' : ''}`}>
      <label htmlFor={id} className={compactLabel ? 'sr-only' : undefined}>{label}</label>
      <div className="tz-input-wrap">
        <svg className="tz-icon" viewBox="0 0 20 20" aria-hidden="true">
          <circle cx="10" cy="10" r="7.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
          <path d="M2.5 10h15M10 2.5c2.2 2.3 2.2 12.7 0 15M10 2.5c-2.2 2.3-2.2 12.7 0 15" fill="none"
            stroke="currentColor" strokeWidth="1.2" />
        </svg>
        <input
          ref={inputRef}
          id={id}
          type="text"
          role="combobox"
          aria-expanded={open}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={open && matches[active] ? `${id}-opt-${active}` : undefined}
          autoComplete="off"
          spellCheck={false}
          placeholder={open ? 'Search a city or region' : undefined}
          value={shown}
          onFocus={() => { if (!open) openList(); }}
          onClick={() => { if (!open) openList(); }}
          onChange={(e) => { setQuery(e.target.value); setActive(0); if (!open) setOpen(true); }}
          onKeyDown={onKeyDown}
          onBlur={() => { setOpen(false); setQuery(''); }}
        />
      </div>
      {open && (
        <ul className="tz-list" id={listId} role="listbox" ref={listRef} aria-label="Matching time zones">
          {matches.length === 0 && <li className="tz-empty" role="presentation">No time zone matches “{query}”</li>}
          {matches.map((z, i) => (
            <li
              key={z.name}
              id={`${id}-opt-${i}`}
              role="option"
              aria-selected={i === active}
              className={`${i === active ? 'active' : ''} ${z.name === value ? 'current' : ''}`}
              onMouseDown={(e) => { e.preventDefault(); choose(z); }}
              onMouseMove={() => { if (i !== active) setActive(i); }}
            >
              <span>{z.label}</span>
              <span className="tz-offset">{z.offset}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
