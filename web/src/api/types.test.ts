// Checks the client's types against the contract, ../../shared/API.md:
// the field lists in types.ts (which the compiler ties to the interfaces)
// must name exactly the fields API.md names.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BOOKING_FIELDS, MEETING_TYPE_FIELDS, SLOT_FIELDS, USER_FIELDS } from './types';

const apiMd = fileURLToPath(new URL('../../../../shared/API.md', import.meta.url));
const have = existsSync(apiMd);
const text = have ? readFileSync(apiMd, 'utf8') : '';

function bracedList(after: string): string[] {
  const at = text.indexOf(after);
  expect(at, `API.md mentions "${after}"`).toBeGreaterThanOrEqual(0);
  const open = text.indexOf('{', at);
  const close = text.indexOf('}', open);
  return text.slice(open + 1, close).split(',').map((s) => s.replace(/[`\s]/g, '')).filter(Boolean);
}

const sorted = (l: readonly string[]) => [...l].sort();

describe.skipIf(!have)('types mirror API.md', () => {
  it('user', () => expect(sorted(USER_FIELDS)).toEqual(sorted(bracedList('A user:'))));
  it('booking', () => expect(sorted(BOOKING_FIELDS)).toEqual(sorted(bracedList('A booking:'))));

  it('meeting type', () => {
    const start = text.indexOf('A meeting type:');
    const table = text.slice(start, text.indexOf('\n\n', text.indexOf('|', start)));
    const names = table.split('\n').filter((l) => l.startsWith('| `'))
      .flatMap((l) => (l.split('|')[1] ?? '').match(/`([a-z_]+)`/g) ?? [])
      .map((s) => s.replace(/`/g, ''));
    expect(sorted(MEETING_TYPE_FIELDS)).toEqual(sorted(names));
  });

  it('slot', () => {
    const m = /"slots": \[\{([^}]*)\}/.exec(text);
    expect(m).not.toBeNull();
    const names = [...(m?.[1] ?? '').matchAll(/"([a-z_]+)":/g)].map((x) => x[1] ?? '');
    expect(sorted(SLOT_FIELDS)).toEqual(sorted(names));
  });
});
