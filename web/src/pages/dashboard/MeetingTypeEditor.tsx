// /dashboard/meeting-types/new and /:id — every field of a meeting type.
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage, isApiError } from '../../api/client';
import type { MeetingKind, MeetingType, MeetingTypeInput, Question, QuestionType } from '../../api/types';
import { ErrorNotice, Field, Loading, PageTitle } from '../../components/ui';
import { slugId, slugify } from '../../lib/ids';
import { useHost } from './DashboardLayout';
import { KIND_LABELS, meetingTypesKey } from './MeetingTypesPage';

type Unit = 'minutes' | 'hours' | 'days';
const UNIT_MIN: Record<Unit, number> = { minutes: 1, hours: 60, days: 1440 };

interface QuestionDraft {
  key: string; // React key; ids of new questions are made from the label on save
  id: string;
  label: string;
  type: QuestionType;
  required: boolean;
  options: string;
}

interface Draft {
  name: string;
  slug: string;
  slugTouched: boolean;
  description: string;
  location: string;
  color: string;
  kind: MeetingKind;
  duration: string;
  interval: string;
  bufferBefore: string;
  bufferAfter: string;
  notice: string;
  noticeUnit: Unit;
  windowDays: string;
  dailyLimit: string;
  seats: string;
  hostIds: string[];
  questions: QuestionDraft[];
  isActive: boolean;
}

let keySeq = 0;
const nextKey = () => `q${++keySeq}`;

function bestUnit(min: number): Unit {
  if (min > 0 && min % 1440 === 0) return 'days';
  if (min > 0 && min % 60 === 0) return 'hours';
  return 'minutes';
}

function draftOf(mt: MeetingType | null, ownerId: string): Draft {
  const unit = bestUnit(mt?.min_notice_minutes ?? 0);
  return {
    name: mt?.name ?? '', slug: mt?.slug ?? '', slugTouched: !!mt, description: mt?.description ?? '',
    location: mt?.location ?? '', color: mt?.color ?? '#3B82F6', kind: mt?.kind ?? 'one_on_one',
    duration: String(mt?.duration_minutes ?? 30), interval: mt ? String(mt.slot_interval_minutes) : '',
    bufferBefore: String(mt?.buffer_before_minutes ?? 0), bufferAfter: String(mt?.buffer_after_minutes ?? 0),
    notice: String((mt?.min_notice_minutes ?? 0) / UNIT_MIN[unit]), noticeUnit: unit,
    windowDays: String(mt?.booking_window_days ?? 60),
    dailyLimit: mt?.max_bookings_per_day == null ? '' : String(mt.max_bookings_per_day),
    seats: String(mt?.seats ?? 1), hostIds: mt?.host_ids ?? [ownerId],
    questions: (mt?.questions ?? []).map((q) => ({ key: nextKey(), id: q.id, label: q.label, type: q.type,
      required: q.required, options: (q.options ?? []).join('\n') })),
    isActive: mt?.is_active ?? true,
  };
}

type Errors = Record<string, string>;

const int = (s: string) => (/^\s*\d+\s*$/.test(s) ? Number(s) : NaN);

/** The API body of a draft, or the problems that stop it being sent. */
function toInput(d: Draft): { input?: Partial<MeetingTypeInput>; errors: Errors } {
  const e: Errors = {};
  const need = (k: string, v: number, lo: number, hi: number, what: string) => {
    if (!Number.isInteger(v) || v < lo || v > hi) e[k] = `${what} must be a whole number from ${lo} to ${hi}.`;
  };
  if (!d.name.trim()) e.name = 'Give the meeting a name.';
  if (!/^[a-z0-9][a-z0-9-]*$/.test(d.slug)) e.slug = 'Lowercase letters, digits and dashes, starting with a letter or digit.';
  const duration = int(d.duration);
  need('duration_minutes', duration, 5, 720, 'Duration');
  const interval = d.interval.trim() === '' ? undefined : int(d.interval);
  if (interval !== undefined) need('slot_interval_minutes', interval, 5, 720, 'The interval');
  const before = int(d.bufferBefore);
  const after = int(d.bufferAfter);
  need('buffer_before_minutes', before, 0, 240, 'The buffer');
  need('buffer_after_minutes', after, 0, 240, 'The buffer');
  const notice = int(d.notice) * UNIT_MIN[d.noticeUnit];
  need('min_notice_minutes', notice, 0, 1051200, 'Minimum notice');
  const windowDays = int(d.windowDays);
  need('booking_window_days', windowDays, 1, 730, 'The booking window');
  const daily = d.dailyLimit.trim() === '' ? null : int(d.dailyLimit);
  if (daily !== null) need('max_bookings_per_day', daily, 1, 1000, 'The daily limit');
  const seats = d.kind === 'group' ? int(d.seats) : 1;
  need('seats', seats, 1, 1000, 'Seats');
  if ((d.kind === 'collective' || d.kind === 'round_robin') && d.hostIds.length === 0) e.host_ids = 'Add at least one host.';

  const taken = new Set(d.questions.map((q) => q.id).filter(Boolean));
  const questions: Question[] = d.questions.map((q, i) => {
    if (!q.label.trim()) e[`questions[${i}].label`] = 'Write the question.';
    const id = q.id || slugId(q.label, taken);
    taken.add(id);
    const out: Question = { id, label: q.label.trim(), type: q.type, required: q.required };
    if (q.type === 'select') {
      out.options = q.options.split('\n').map((o) => o.trim()).filter(Boolean);
      if (!out.options.length) e[`questions[${i}].options`] = 'Give at least one choice, one per line.';
    }
    return out;
  });
  if (Object.keys(e).length) return { errors: e };
  return {
    errors: e,
    input: {
      name: d.name.trim(), slug: d.slug, description: d.description, location: d.location.trim(), color: d.color.toUpperCase(),
      kind: d.kind, duration_minutes: duration, ...(interval !== undefined ? { slot_interval_minutes: interval } : {}),
      buffer_before_minutes: before, buffer_after_minutes: after, min_notice_minutes: notice,
      booking_window_days: windowDays, max_bookings_per_day: daily, seats,
      ...(d.kind === 'collective' || d.kind === 'round_robin' ? { host_ids: d.hostIds } : {}),
      questions, is_active: d.isActive,
    },
  };
}

export function MeetingTypeNewPage() {
  const host = useHost();
  return <MeetingTypeEditor initial={null} ownerId={host.id} username={host.username} />;
}

const editApi = getRouteApi('/dashboard/meeting-types/$id');

export function MeetingTypeEditPage() {
  const { id } = editApi.useParams();
  const host = useHost();
  const q = useQuery({ queryKey: ['meetingType', id, 'owner'], queryFn: () => api.meetingType(id) as Promise<MeetingType> });
  if (q.isPending) return <Loading minHeight={400} />;
  if (q.isError) {
    return (
      <>
        <PageTitle>Meeting type</PageTitle>
        {isApiError(q.error, 'not_found') ? <p>This meeting type does not exist. <Link to="/dashboard">Back to the list</Link></p>
          : <ErrorNotice error={q.error} onRetry={() => void q.refetch()} />}
      </>
    );
  }
  return <MeetingTypeEditor key={q.data.id + q.data.updated_at} initial={q.data} ownerId={host.id} username={host.username} />;
}

function MeetingTypeEditor({ initial, ownerId, username }: { initial: MeetingType | null; ownerId: string; username: string }) {
  const [d, setD] = useState<Draft>(() => draftOf(initial, ownerId));
  const [errors, setErrors] = useState<Errors>({});
  const [confirmDelete, setConfirmDelete] = useState(false);
  const qc = useQueryClient();
  const navigate = useNavigate();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));

  const save = useMutation({
    mutationFn: (input: Partial<MeetingTypeInput>) =>
      initial ? api.updateMeetingType(initial.id, input) : api.createMeetingType(input),
    onSuccess: (mt) => {
      void qc.invalidateQueries({ queryKey: meetingTypesKey });
      qc.setQueryData(['meetingType', mt.id, 'owner'], mt);
      void navigate({ to: '/dashboard' });
    },
    onError: (e) => {
      if (e instanceof ApiError) {
        const f = e.code === 'slug_taken' ? 'slug' : e.field;
        if (f) setErrors({ [f]: e.message });
      }
    },
  });
  const del = useMutation({
    mutationFn: () => api.deleteMeetingType(initial!.id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: meetingTypesKey });
      void navigate({ to: '/dashboard' });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const { input, errors: errs } = toInput(d);
    setErrors(errs);
    if (!input) {
      const first = Object.keys(errs)[0];
      if (first) document.querySelector<HTMLElement>(`[data-field="${CSS.escape(first)}"]`)?.focus();
      return;
    }
    if (!save.isPending) save.mutate(input);
  }

  const err = (k: string) => errors[k] || null;
  const unknownField = save.error instanceof ApiError && save.error.field && !(save.error.field in errors) ? true : false;
  const showTopError = save.isError && (!(save.error instanceof ApiError) || !(save.error.field || save.error.code === 'slug_taken') || unknownField);

  return (
    <form className="editor" onSubmit={submit} noValidate>
      <PageTitle actions={<Link className="btn" to="/dashboard">Back</Link>}>
        {initial ? `Edit “${initial.name}”` : 'New meeting type'}
      </PageTitle>
      {showTopError && <ErrorNotice error={save.error} title="Not saved." />}
      {Object.keys(errors).length > 0 && !save.isError && (
        <div className="notice error" role="alert">Please fix the marked fields.</div>
      )}

      <fieldset className="card section">
        <legend>What people book</legend>
        <div className="grid-2">
          <Field label="Name" required error={err('name')}>
            {(p) => <input {...p} data-field="name" type="text" maxLength={200} value={d.name}
              onChange={(e) => setD((x) => ({ ...x, name: e.target.value, slug: x.slugTouched ? x.slug : slugify(e.target.value) }))} />}
          </Field>
          <Field label="Link" required error={err('slug')} hint={<span className="mono">/{username}/{d.slug || '…'}</span>}>
            {(p) => <input {...p} data-field="slug" type="text" maxLength={100} spellCheck={false} autoCapitalize="none" value={d.slug}
              onChange={(e) => setD((x) => ({ ...x, slug: e.target.value.toLowerCase(), slugTouched: true }))} />}
          </Field>
        </div>
        <Field label="Description" error={err('description')}>
          {(p) => <textarea {...p} data-field="description" rows={3} maxLength={5000} value={d.description} onChange={(e) => set('description', e.target.value)} />}
        </Field>
        <div className="grid-2">
          <Field label="Location" hint="A place, a phone number or a video link." error={err('location')}>
            {(p) => <input {...p} data-field="location" type="text" maxLength={500} value={d.location} onChange={(e) => set('location', e.target.value)} />}
          </Field>
          <Field label="Colour" error={err('color')}>
            {(p) => <input {...p} data-field="color" type="color" className="color-input" value={d.color.toLowerCase()} onChange={(e) => set('color', e.target.value)} />}
          </Field>
        </div>
      </fieldset>

      <fieldset className="card section">
        <legend>Kind and length</legend>
        <div className="grid-3">
          <Field label="Kind" error={err('kind')}>
            {(p) => (
              <select {...p} data-field="kind" value={d.kind} onChange={(e) => set('kind', e.target.value as MeetingKind)}>
                {(Object.keys(KIND_LABELS) as MeetingKind[]).map((k) => <option key={k} value={k}>{KIND_LABELS[k]}</option>)}
              </select>
            )}
          </Field>
          <Field label="Duration (minutes)" required error={err('duration_minutes')}>
            {(p) => <input {...p} data-field="duration_minutes" type="number" min={5} max={720} step={5} inputMode="numeric" value={d.duration} onChange={(e) => set('duration', e.target.value)} />}
          </Field>
          {d.kind === 'group' && (
            <Field label="Seats per time" error={err('seats')}>
              {(p) => <input {...p} data-field="seats" type="number" min={1} max={1000} inputMode="numeric" value={d.seats} onChange={(e) => set('seats', e.target.value)} />}
            </Field>
          )}
        </div>
        {(d.kind === 'collective' || d.kind === 'round_robin') && (
          <HostsEditor ids={d.hostIds} onChange={(ids) => set('hostIds', ids)} error={err('host_ids')} kind={d.kind} />
        )}
      </fieldset>

      <fieldset className="card section">
        <legend>When people can book</legend>
        <div className="grid-3">
          <Field label="Start times every (minutes)" hint="Empty: the meeting's duration." error={err('slot_interval_minutes')}>
            {(p) => <input {...p} data-field="slot_interval_minutes" type="number" min={5} max={720} step={5} inputMode="numeric"
              placeholder={d.duration} value={d.interval} onChange={(e) => set('interval', e.target.value)} />}
          </Field>
          <Field label="Buffer before (minutes)" error={err('buffer_before_minutes')}>
            {(p) => <input {...p} data-field="buffer_before_minutes" type="number" min={0} max={240} step={5} inputMode="numeric" value={d.bufferBefore} onChange={(e) => set('bufferBefore', e.target.value)} />}
          </Field>
          <Field label="Buffer after (minutes)" error={err('buffer_after_minutes')}>
            {(p) => <input {...p} data-field="buffer_after_minutes" type="number" min={0} max={240} step={5} inputMode="numeric" value={d.bufferAfter} onChange={(e) => set('bufferAfter', e.target.value)} />}
          </Field>
        </div>
        <div className="grid-3">
          <Field label="Minimum notice" error={err('min_notice_minutes')}>
            {(p) => (
              <div className="input-unit">
                <input {...p} data-field="min_notice_minutes" type="number" min={0} inputMode="numeric" value={d.notice} onChange={(e) => set('notice', e.target.value)} />
                <select aria-label="Notice unit" value={d.noticeUnit} onChange={(e) => set('noticeUnit', e.target.value as Unit)}>
                  <option value="minutes">minutes</option>
                  <option value="hours">hours</option>
                  <option value="days">days</option>
                </select>
              </div>
            )}
          </Field>
          <Field label="Booking window (days ahead)" error={err('booking_window_days')}>
            {(p) => <input {...p} data-field="booking_window_days" type="number" min={1} max={730} inputMode="numeric" value={d.windowDays} onChange={(e) => set('windowDays', e.target.value)} />}
          </Field>
          <Field label="Most bookings a day" hint="Empty: no limit." error={err('max_bookings_per_day')}>
            {(p) => <input {...p} data-field="max_bookings_per_day" type="number" min={1} max={1000} inputMode="numeric" value={d.dailyLimit} onChange={(e) => set('dailyLimit', e.target.value)} />}
          </Field>
        </div>
      </fieldset>

      <QuestionsEditor questions={d.questions} onChange={(q) => set('questions', q)} errors={errors} />

      <fieldset className="card section">
        <legend>Status</legend>
        <label className="check-line">
          <input type="checkbox" checked={d.isActive} onChange={(e) => set('isActive', e.target.checked)} />
          Taking bookings (people with the link can book it)
        </label>
      </fieldset>

      <div className="editor-actions">
        <button type="submit" className="btn primary" disabled={save.isPending}>{save.isPending ? 'Saving…' : initial ? 'Save changes' : 'Create meeting type'}</button>
        <Link className="btn" to="/dashboard">Cancel</Link>
        {initial && (
          confirmDelete ? (
            <span className="confirm-inline" role="group" aria-label="Confirm delete">
              <span>Delete “{initial.name}”? Existing bookings stay.</span>
              <button type="button" className="btn danger small" onClick={() => del.mutate()} disabled={del.isPending}>Delete</button>
              <button type="button" className="btn small" onClick={() => setConfirmDelete(false)}>Keep</button>
            </span>
          ) : <button type="button" className="btn danger-outline push-right" onClick={() => setConfirmDelete(true)}>Delete…</button>
        )}
      </div>
      {del.isError && <ErrorNotice error={del.error} title="Not deleted." />}
    </form>
  );
}

const QUESTION_TYPES: { value: QuestionType; label: string }[] = [
  { value: 'text', label: 'Short answer' }, { value: 'textarea', label: 'Long answer' },
  { value: 'select', label: 'Choice from a list' }, { value: 'checkbox', label: 'Tick box' },
];

function QuestionsEditor({ questions, onChange, errors }: { questions: QuestionDraft[]; onChange: (q: QuestionDraft[]) => void; errors: Errors }) {
  const update = (i: number, patch: Partial<QuestionDraft>) => onChange(questions.map((q, j) => (j === i ? { ...q, ...patch } : q)));
  const move = (i: number, by: number) => {
    const j = i + by;
    if (j < 0 || j >= questions.length) return;
    const next = [...questions];
    [next[i], next[j]] = [next[j]!, next[i]!];
    onChange(next);
  };
  return (
    <fieldset className="card section">
      <legend>Questions for the invitee</legend>
      <p className="muted">Name and email are always asked. Add up to 20 more questions.</p>
      {questions.length > 0 && (
        <ol className="question-list">
          {questions.map((q, i) => (
            <li key={q.key} className="question-row">
              <div className="grid-q">
                <Field label={`Question ${i + 1}`} error={errors[`questions[${i}].label`] || errors[`questions[${i}]`] || null}>
                  {(p) => <input {...p} data-field={`questions[${i}].label`} type="text" value={q.label} maxLength={200}
                    onChange={(e) => update(i, { label: e.target.value })} />}
                </Field>
                <Field label="Answer type" error={errors[`questions[${i}].type`] || null}>
                  {(p) => (
                    <select {...p} value={q.type} onChange={(e) => update(i, { type: e.target.value as QuestionType })}>
                      {QUESTION_TYPES.map((t) => <option key={t.value} value={t.value}>{t.label}</option>)}
                    </select>
                  )}
                </Field>
              </div>
              {q.type === 'select' && (
                <Field label="Choices, one per line" error={errors[`questions[${i}].options`] || null}>
                  {(p) => <textarea {...p} data-field={`questions[${i}].options`} rows={3} value={q.options} onChange={(e) => update(i, { options: e.target.value })} />}
                </Field>
              )}
              <div className="question-tools">
                <label className="check-line">
                  <input type="checkbox" checked={q.required} onChange={(e) => update(i, { required: e.target.checked })} />
                  Required
                </label>
                <span className="push-right" />
                <button type="button" className="btn small" onClick={() => move(i, -1)} disabled={i === 0} aria-label={`Move question ${i + 1} up`}>↑</button>
                <button type="button" className="btn small" onClick={() => move(i, 1)} disabled={i === questions.length - 1} aria-label={`Move question ${i + 1} down`}>↓</button>
                <button type="button" className="btn small danger-outline" onClick={() => onChange(questions.filter((_, j) => j !== i))}
                  aria-label={`Remove question ${i + 1}`}>Remove</button>
              </div>
            </li>
          ))}
        </ol>
      )}
      <button type="button" className="btn" disabled={questions.length >= 20}
        onClick={() => onChange([...questions, { key: nextKey(), id: '', label: '', type: 'text', required: false, options: '' }])}>
        + Add a question
      </button>
    </fieldset>
  );
}

function HostsEditor({ ids, onChange, error, kind }: { ids: string[]; onChange: (ids: string[]) => void; error: string | null; kind: MeetingKind }) {
  const [username, setUsername] = useState('');
  const [lookupError, setLookupError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const people = useQueries({ queries: ids.map((id) => ({ queryKey: ['user', id], queryFn: () => api.user(id), staleTime: 300_000 })) });

  async function add() {
    const u = username.trim().toLowerCase();
    if (!u) return;
    setBusy(true);
    setLookupError(null);
    try {
      const p = await api.publicUser(u);
      if (!ids.includes(p.id)) onChange([...ids, p.id]);
      setUsername('');
    } catch (e) {
      setLookupError(isApiError(e, 'not_found') ? `No user “${u}”.` : errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="hosts" data-field="host_ids" tabIndex={-1}>
      <h3>Hosts</h3>
      <p className="muted">{kind === 'collective' ? 'Every host must be free; all of them attend.' : 'One free host is assigned to each booking, in turn.'}</p>
      <ul className="host-list">
        {ids.map((id, i) => (
          <li key={id}>
            <span>{people[i]?.data ? `${people[i]!.data!.name} (@${people[i]!.data!.username})` : people[i]?.isError ? id : 'Loading…'}</span>
            <button type="button" className="btn small" onClick={() => onChange(ids.filter((x) => x !== id))} aria-label={`Remove host ${people[i]?.data?.name ?? id}`}>Remove</button>
          </li>
        ))}
      </ul>
      <div className="add-host">
        <Field label="Add a host by username" error={lookupError ?? error}>
          {(p) => <input {...p} type="text" value={username} onChange={(e) => setUsername(e.target.value)}
            onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); void add(); } }} />}
        </Field>
        <button type="button" className="btn" onClick={() => void add()} disabled={busy}>Add</button>
      </div>
    </div>
  );
}
