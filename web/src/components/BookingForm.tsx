// The invitee's details: name, email, notes and the meeting type's own
// questions. Validates before sending and shows the server's field errors.
import { useId, useState, type FormEvent } from 'react';
import type { Answers, Question } from '../api/types';
import { Field } from './ui';

export interface BookingFormValues {
  name: string;
  email: string;
  notes: string;
  answers: Answers;
}

export const emptyBookingForm: BookingFormValues = { name: '', email: '', notes: '', answers: {} };

export type FieldErrors = Record<string, string>;

/** The API's field name → the form's (`invitee_email` → `email`, `answers.x` stays). */
export function formFieldOf(apiField: string | null): string | null {
  if (!apiField) return null;
  if (apiField === 'invitee_name') return 'name';
  if (apiField === 'invitee_email') return 'email';
  return apiField;
}

export function validateBookingForm(v: BookingFormValues, questions: Question[]): FieldErrors {
  const errs: FieldErrors = {};
  if (!v.name.trim()) errs.name = 'Please enter your name.';
  if (!v.email.trim()) errs.email = 'Please enter your email address.';
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.email.trim())) errs.email = 'That does not look like an email address.';
  for (const q of questions) {
    const a = v.answers[q.id];
    if (!q.required) continue;
    if (q.type === 'checkbox' ? a !== true : typeof a !== 'string' || !a.trim())
      errs[`answers.${q.id}`] = q.type === 'checkbox' ? 'Please tick this box to go on.' : 'This question needs an answer.';
  }
  return errs;
}

interface Props {
  questions: Question[];
  values: BookingFormValues;
  onChange: (v: BookingFormValues) => void;
  onSubmit: () => void;
  submitting: boolean;
  errors: FieldErrors;
  submitLabel: string;
}

export function BookingForm({ questions, values, onChange, onSubmit, submitting, errors, submitLabel }: Props) {
  const [tried, setTried] = useState(false);
  const local = tried ? validateBookingForm(values, questions) : {};
  const err = (k: string) => local[k] ?? errors[k] ?? null;
  const setAnswer = (id: string, a: string | boolean) => onChange({ ...values, answers: { ...values.answers, [id]: a } });

  function submit(e: FormEvent) {
    e.preventDefault();
    setTried(true);
    const problems = validateBookingForm(values, questions);
    const first = Object.keys(problems)[0];
    if (first) {
      const el = document.querySelector<HTMLElement>(`[data-field="${CSS.escape(first)}"]`);
      el?.focus();
      return;
    }
    onSubmit();
  }

  return (
    <form className="booking-form" onSubmit={submit} noValidate>
      <Field label="Your name" required error={err('name')}>
        {(p) => <input {...p} data-field="name" type="text" autoComplete="name" maxLength={200} value={values.name}
          onChange={(e) => onChange({ ...values, name: e.target.value })} />}
      </Field>
      <Field label="Email" required error={err('email')} hint="Only used for this booking.">
        {(p) => <input {...p} data-field="email" type="email" autoComplete="email" inputMode="email" value={values.email}
          onChange={(e) => onChange({ ...values, email: e.target.value })} />}
      </Field>
      {questions.map((q) => (
        <QuestionField key={q.id} q={q} value={values.answers[q.id]} error={err(`answers.${q.id}`)}
          onChange={(a) => setAnswer(q.id, a)} />
      ))}
      <Field label="Anything to share before the meeting?" error={err('notes')}>
        {(p) => <textarea {...p} data-field="notes" rows={3} maxLength={5000} value={values.notes}
          onChange={(e) => onChange({ ...values, notes: e.target.value })} />}
      </Field>
      <button type="submit" className="btn primary block" disabled={submitting} aria-disabled={submitting}>
        {submitting ? <><span className="spinner small" aria-hidden="true" /> Booking…</> : submitLabel}
      </button>
    </form>
  );
}

function QuestionField({ q, value, error, onChange }: { q: Question; value: string | boolean | undefined;
  error: string | null; onChange: (a: string | boolean) => void }) {
  const field = `answers.${q.id}`;
  const errId = `${useId()}-err`;
  if (q.type === 'checkbox') {
    return (
      <div className={`field check ${error ? 'has-error' : ''}`}>
        <label>
          <input type="checkbox" data-field={field} checked={value === true} aria-invalid={error ? true : undefined}
            aria-required={q.required || undefined} aria-describedby={error ? `${errId}` : undefined}
            onChange={(e) => onChange(e.target.checked)} />
          <span>{q.label}{q.required && <span className="req" aria-hidden="true"> *</span>}</span>
        </label>
        {error && <div className="field-error" id={errId}>{error}</div>}
      </div>
    );
  }
  const text = typeof value === 'string' ? value : '';
  return (
    <Field label={q.label} required={q.required} error={error}>
      {(p) => q.type === 'textarea' ? (
        <textarea {...p} data-field={field} rows={3} value={text} onChange={(e) => onChange(e.target.value)} />
      ) : q.type === 'select' ? (
        <select {...p} data-field={field} value={text} onChange={(e) => onChange(e.target.value)}>
          <option value="">Choose…</option>
          {(q.options ?? []).map((o) => <option key={o} value={o}>{o}</option>)}
        </select>
      ) : (
        <input {...p} data-field={field} type="text" value={text} onChange={(e) => onChange(e.target.value)} />
      )}
    </Field>
  );
}
