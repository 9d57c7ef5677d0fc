// The signed-in host, from GET /api/me (null when signed out).
import { useQuery } from '@tanstack/react-query';
import { api, isApiError } from '../api/client';
import type { User } from '../api/types';

export const meQueryKey = ['me'] as const;

export function useMe() {
  return useQuery<User | null>({
    queryKey: meQueryKey,
    queryFn: async () => {
      try {
        return await api.me();
      } catch (e) {
        if (isApiError(e) && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: 60_000,
  });
}
