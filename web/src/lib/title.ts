// Sets the browser tab's title while a page is shown.
import { useEffect } from 'react';

export function useTitle(title: string | null | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · Calendula` : 'Calendula';
  }, [title]);
}
