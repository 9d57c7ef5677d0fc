// Checks on weekly-hours and override windows, before they are sent.
import type { WallInterval } from '../api/types';
import { wallMinutes } from './time';

/** Problems with one day's windows, keyed by window index. */
export function windowProblems(ws: WallInterval[]): Record<number, string> {
  const out: Record<number, string> = {};
  ws.forEach((w, i) => {
    if (wallMinutes(w.end_time) <= wallMinutes(w.start_time)) out[i] = 'Ends before it starts.';
  });
  const order = ws.map((w, i) => ({ w, i })).sort((a, b) => wallMinutes(a.w.start_time) - wallMinutes(b.w.start_time));
  for (let k = 1; k < order.length; k++) {
    if (wallMinutes(order[k]!.w.start_time) < wallMinutes(order[k - 1]!.w.end_time)) out[order[k]!.i] ??= 'Overlaps another window.';
  }
  return out;
}

