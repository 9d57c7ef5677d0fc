// The start page, sign-up and log-in.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link, useNavigate, useRouter } from '@tanstack/react-router';
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../api/client';
import type { User } from '../api/types';
import { Redirect } from '../components/Redirect';
import { TimeZonePicker } from '../components/TimeZonePicker';
import { ErrorNotice, Field, Loading } from '../components/ui';
import { meQueryKey, useMe } from '../lib/auth';
import { detectTimeZone } from '../lib/time';
import { useTitle } from '../lib/title';

function Brand() {
  return (
    <Link to="/" className="brand">
      <svg viewBox="0 0 32 32" aria-hidden="true"><rect x="3" y="5" width="26" height="24" rx="5" fill="#e8590c" /><rect x="3" y="5" width="26" height="7" rx="3" fill="#c2410c" /><circle cx="16" cy="20" r="5" fill="#fff" /></svg>
      Calendula
    </Link>
  );
}

function AuthShell({ title, children, foot }: { title: string; children: ReactNode; foot?: ReactNode }) {
  return (
    <div className="auth">
      <Brand />
      <main id="main" className="card auth-card">
        <h1>{title}</h1>
        {children}
      </main>
      {foot && <p className="auth-foot">{foot}</p>}
    </div>
  );
}

export function HomePage() {
  const me = useMe();
  useTitle(null);
  return (
    <div className="auth home">
      <Brand />
      <main id="main" className="card auth-card">
        <h1>Meetings without the back-and-forth</h1>
        <p>Share a link, let people pick a time that suits you both — in their own time zone.</p>
        {me.isPending ? <Loading minHeight={48} label="" /> : me.data ? (
          <p><Link className="btn primary" to="/dashboard">Open your dashboard</Link></p>
        ) : (
          <div className="button-row">
            <Link className="btn primary" to="/signup">Create an account</Link>
            <Link className="btn" to="/login">Log in</Link>
          </div>
        )}
      </main>
    </div>
  );
}

const loginApi = getRouteApi('/login');

function useSignedIn() {
  const qc = useQueryClient();
  return (user: User) => {
    qc.clear();
    qc.setQueryData(meQueryKey, user);
  };
}

export function LoginPage() {
  const { redirect } = loginApi.useSearch();
  const navigate = useNavigate();
  const router = useRouter();
  useTitle('Log in');
  const me = useMe();
  const signedIn = useSignedIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation({
    mutationFn: () => api.login(email.trim(), password),
    onSuccess: (a) => {
      signedIn(a.user);
      if (redirect) router.history.push(redirect);
      else void navigate({ to: '/dashboard' });
    },
  });
  if (me.data && !login.isPending && !login.isSuccess) return <Redirect to="/dashboard" />;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!login.isPending) login.mutate();
  }
  return (
    <AuthShell title="Log in" foot={<>New here? <Link to="/signup">Create an account</Link></>}>
      {login.isError && <ErrorNotice error={login.error} />}
      <form onSubmit={submit} className="stack">
        <Field label="Email">
          {(p) => <input {...p} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field label="Password">
          {(p) => <input {...p} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        <button type="submit" className="btn primary block" disabled={login.isPending}>
          {login.isPending ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </AuthShell>
  );
}

const USERNAME_RE = /^[a-z0-9][a-z0-9-]{2,39}$/;

export function SignupPage() {
  const navigate = useNavigate();
  useTitle('Create your account');
  const signedIn = useSignedIn();
  const [v, setV] = useState({ name: '', email: '', username: '', password: '', time_zone: detectTimeZone() });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const signup = useMutation({
    mutationFn: async () => {
      await api.signup({ ...v, name: v.name.trim(), email: v.email.trim() });
      return api.login(v.email.trim(), v.password);
    },
    onSuccess: (a) => {
      signedIn(a.user);
      void navigate({ to: '/dashboard' });
    },
    onError: (e) => {
      if (e instanceof ApiError) {
        const f = e.code === 'email_taken' ? 'email' : e.code === 'username_taken' ? 'username' : e.field;
        if (f) setErrors({ [f]: e.message });
      }
    },
  });
  const set = (k: keyof typeof v) => (val: string) => { setV({ ...v, [k]: val }); setErrors((er) => ({ ...er, [k]: '' })); };

  function submit(e: FormEvent) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!v.name.trim()) errs.name = 'Please enter your name.';
    if (!/^[^\s@]+@[^\s@]+$/.test(v.email.trim())) errs.email = 'Please enter your email address.';
    if (!USERNAME_RE.test(v.username)) errs.username = '3–40 characters: lowercase letters, digits and dashes, not starting with a dash.';
    if (v.password.length < 10) errs.password = 'At least 10 characters.';
    setErrors(errs);
    if (Object.keys(errs).length) {
      document.querySelector<HTMLElement>(`[data-field="${Object.keys(errs)[0]}"]`)?.focus();
      return;
    }
    if (!signup.isPending) signup.mutate();
  }

  const fieldShown = signup.error instanceof ApiError && (signup.error.field || signup.error.code.endsWith('_taken'));
  return (
    <AuthShell title="Create your account" foot={<>Have an account? <Link to="/login">Log in</Link></>}>
      {signup.isError && !fieldShown && <ErrorNotice error={signup.error} />}
      <form onSubmit={submit} className="stack" noValidate>
        <Field label="Your name" error={errors.name || null}>
          {(p) => <input {...p} data-field="name" type="text" autoComplete="name" value={v.name} onChange={(e) => set('name')(e.target.value)} />}
        </Field>
        <Field label="Email" error={errors.email || null}>
          {(p) => <input {...p} data-field="email" type="email" autoComplete="email" value={v.email} onChange={(e) => set('email')(e.target.value)} />}
        </Field>
        <Field label="Username" error={errors.username || null}
          hint={<>Your booking page: <span className="mono">{window.location.host}/{v.username || 'your-name'}</span></>}>
          {(p) => <input {...p} data-field="username" type="text" autoComplete="username" autoCapitalize="none" spellCheck={false}
            value={v.username} onChange={(e) => set('username')(e.target.value.toLowerCase())} />}
        </Field>
        <Field label="Password" error={errors.password || null} hint="At least 10 characters.">
          {(p) => <input {...p} data-field="password" type="password" autoComplete="new-password" value={v.password} onChange={(e) => set('password')(e.target.value)} />}
        </Field>
        <TimeZonePicker value={v.time_zone} onChange={set('time_zone')} label="Your time zone" />
        <button type="submit" className="btn primary block" disabled={signup.isPending}>
          {signup.isPending ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
    </AuthShell>
  );
}
