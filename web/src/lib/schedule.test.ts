import { describe, expect, it } from 'vitest';
import { windowProblems } from './schedule';
import { validateBookingForm } from '../components/BookingForm';

const w = (start_time: string, end_time: string) => ({ start_time, end_time });

describe('weekly hours windows', () => {
  it('accepts separate windows, touching ones, and one that ends at midnight', () => {
    expect(windowProblems([w('09:00', '12:00'), w('13:00', '17:00')])).toEqual({});
    expect(windowProblems([w('09:00', '12:00'), w('12:00', '24:00')])).toEqual({});
  });
  it('flags a window that ends before it starts, and the later of two overlapping ones', () => {
    expect(windowProblems([w('09:00', '08:00')])).toEqual({ 0: 'Ends before it starts.' });
    expect(windowProblems([w('13:00', '17:00'), w('09:00', '14:00')])).toEqual({ 0: 'Overlaps another window.' });
  });
});

describe('booking form checks', () => {
  const qs = [
    { id: 'company', label: 'Company', type: 'text' as const, required: true },
    { id: 'ok', label: 'I agree', type: 'checkbox' as const, required: true },
    { id: 'size', label: 'Size', type: 'select' as const, required: false, options: ['S'] },
  ];
  it('asks for name, a plausible email and the required answers', () => {
    const errs = validateBookingForm({ name: ' ', email: 'nope', notes: '', answers: {} }, qs);
    expect(Object.keys(errs).sort()).toEqual(['answers.company', 'answers.ok', 'email', 'name']);
  });
  it('passes a complete form', () => {
    expect(validateBookingForm({ name: 'Raj', email: 'raj@example.com', notes: '', answers: { company: 'X', ok: true } }, qs)).toEqual({});
  });
});
