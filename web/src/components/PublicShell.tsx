// The frame of the pages invitees see: a centred column and a quiet footer.
import type { ReactNode } from 'react';

export function PublicShell({ children, wide }: { children: ReactNode; wide?: boolean }) {
  return (
    <div className="public">
      <main id="main" className={`public-main ${wide ? 'wide' : ''}`}>{children}</main>
      <footer className="public-foot">
        Scheduling by <a href="/">Calendula</a>
      </footer>
    </div>
  );
}
