/*
 * amqp.h — the outbox through RabbitMQ (CALENDULA_AMQP_URL, librabbitmq).
 *
 * Relay: claims due outbox rows under a lease, as the direct workers do,
 * publishes each as a persistent message to the durable queue
 * calendula.jobs (publisher confirms), and marks the row done ("relayed
 * to AMQP") only once the broker has confirmed it. A row whose confirm
 * never came is given back or, if the relay died, claimed again when its
 * lease ends, so a message may be published twice: consumers are
 * idempotent (deterministic fan-out ids and Message-IDs).
 *
 * Consumers (`calendula worker`): basic.consume with manual acks and a
 * prefetch. Each message runs the handler of its topic — the same
 * handlers as the direct workers, so the same emails. Done: ack. A
 * temporary failure: republished (confirmed) to calendula.jobs.retry.<N>s,
 * a queue whose TTL of N seconds (the backoff step) dead-letters it back
 * into calendula.jobs, then acked. A permanent failure or the last
 * attempt: republished to calendula.jobs.dead, then acked. A worker that
 * is stopping rejects its message back into the queue. The attempt count
 * and last error travel in message headers.
 *
 * Every thread has its own connections and reconnects after a pause when
 * the broker goes away; unacknowledged messages are redelivered by the
 * broker, unconfirmed rows relayed again. Only amqp:// URLs (no TLS).
 */
#ifndef CALENDULA_JOBS_AMQP_H
#define CALENDULA_JOBS_AMQP_H

#include <stdbool.h>
#include <stddef.h>

#include "jobs/jobs.h"

typedef struct jobs_amqp jobs_amqp;

/* "amqp://host:port/vhost" without credentials (for logs). */
void jobs_amqp_describe(const char *url, char *out, size_t size);

/*
 * Starts a relay thread (when relay) and `consumers` consumer threads
 * running r's handlers. url is copied. Returns NULL if a thread cannot be
 * made; broker trouble is not an error here (threads keep retrying).
 */
jobs_amqp *jobs_amqp_start(jobs_runner *r, const char *url, bool relay, int consumers);

/*
 * Stops and joins the threads and frees q: each finishes its message, or
 * after grace_ms the runner is interrupted (jobs_interrupt) and the
 * message goes back to the queue. NULL is a no-op.
 */
void jobs_amqp_stop(jobs_amqp *q, int grace_ms);

#endif
