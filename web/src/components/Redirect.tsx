// Navigates once, when first shown. (The router's <Navigate> navigates again
// whenever its parent re-renders with new props, which can loop while a
// navigation is still in progress.)
import { useNavigate } from '@tanstack/react-router';
import { useEffect, useRef } from 'react';

export function Redirect({ to, redirect }: { to: '/login' | '/dashboard'; redirect?: string }) {
  const navigate = useNavigate();
  const done = useRef(false);
  useEffect(() => {
    if (done.current) return;
    done.current = true;
    if (to === '/login') void navigate({ to, search: { redirect }, replace: true });
    else void navigate({ to, replace: true });
  }, [navigate, to, redirect]);
  return null;
}
