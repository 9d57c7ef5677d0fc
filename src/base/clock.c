/* clock.c — see clock.h. */
#include "base/clock.h"

#include <time.h>

static int64_t real_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

clock_source clock_system(void)
{
    return (clock_source){0, 0};
}

clock_source clock_starting_at(int64_t start_s)
{
    return (clock_source){start_s * 1000000 - real_us(), 0};
}

clock_source clock_frozen(int64_t t_s)
{
    return (clock_source){0, t_s * 1000000};
}

int64_t clock_now_us(const clock_source *c)
{
    if (c->frozen_us)
        return c->frozen_us;
    return real_us() + c->offset_us;
}

int64_t clock_now(const clock_source *c)
{
    int64_t us = clock_now_us(c);
    return us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
}

int64_t clock_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
