/* reminders.c — see reminders.h. */
#include "jobs/reminders.h"

size_t jobs_reminders_due(int64_t start, const int *minutes, size_t n, int64_t now,
                          jobs_reminder *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (minutes[i] <= 0)
            continue;
        int64_t at = start - (int64_t)minutes[i] * 60;
        if (at <= now)
            continue;
        size_t j = k++; /* insertion by due time keeps the output sorted */
        while (j > 0 && out[j - 1].due_at > at) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = (jobs_reminder){minutes[i], at};
    }
    return k;
}
