// Small building blocks shared by every page: loading and error states,
// labelled fields, notices.
import { useId, type ReactNode } from 'react';
import { errorMessage } from '../api/client';
import { useTitle } from '../lib/title';

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return <span className="spinner" role="status" aria-label={label} />;
}

/** A placeholder that holds the space of what is loading, so nothing jumps. */
export function Loading({ label = 'Loading…', minHeight = 160 }: { label?: string; minHeight?: number }) {
  return (
    <div className="loading" style={{ minHeight }} role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function ErrorNotice({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  return (
    <div className="notice error" role="alert">
      <div>
        {title && <strong>{title} </strong>}
        {errorMessage(error)}
      </div>
      {onRetry && (
        <button type="button" className="btn small" onClick={onRetry}>Try again</button>
      )}
    </div>
  );
}

export function Notice({ kind = 'info', children, role }: { kind?: 'info' | 'success' | 'warning' | 'error';
  children: ReactNode; role?: 'alert' | 'status' }) {
  return <div className={`notice ${kind}`} role={role ?? (kind === 'error' || kind === 'warning' ? 'alert' : 'status')}>{children}</div>;
}

interface FieldProps {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  required?: boolean;
  className?: string;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean; 'aria-required'?: boolean }) => ReactNode;
}

/** A label, the control the render prop draws, an optional hint and error. */
export function Field({ label, hint, error, required, className, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-err` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field ${className ?? ''} ${error ? 'has-error' : ''}`}>
      <div className="label-row">
        <label htmlFor={id}>{label}</label>
        {required && <span className="req" aria-hidden="true">*</span>}
      </div>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined,
        'aria-required': required || undefined })}
      {hint && <div className="hint" id={hintId}>{hint}</div>}
      {error && <div className="field-error" id={errId}>{error}</div>}
    </div>
  );
}

/** A dashboard page's heading; plain-text headings also become the tab title. */
export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  useTitle(typeof children === 'string' ? children : null);
  return (
    <div className="page-title">
      <h1>{children}</h1>
      {actions && <div className="actions">{actions}</div>}
    </div>
  );
}
