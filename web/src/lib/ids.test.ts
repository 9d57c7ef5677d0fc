import { describe, expect, it } from 'vitest';
import { newIdempotencyKey, slugId, slugify } from './ids';

describe('ids', () => {
  it('makes distinct UUIDs', () => {
    const a = newIdempotencyKey();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newIdempotencyKey()).not.toBe(a);
  });
  it('makes slugs and question ids', () => {
    expect(slugify('  Intro call — 30 min! ')).toBe('intro-call-30-min');
    expect(slugId('Company name', new Set())).toBe('company_name');
    expect(slugId('Company name', new Set(['company_name']))).toBe('company_name_2');
    expect(slugId('???', new Set())).toBe('q');
  });
});
