import { Link } from '@tanstack/react-router';
import { PublicShell } from '../components/PublicShell';

export function NotFoundPage() {
  return (
    <PublicShell>
      <div className="card narrow">
        <h1>Page not found</h1>
        <p>There is nothing at this address. Check the link you were given.</p>
        <p><Link to="/">Go to the start page</Link></p>
      </div>
    </PublicShell>
  );
}
