/* transport.c — see transport.h. */
#include "mail/transport.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/secure.h"
#include "base/xalloc.h"

#define CONNECT_TIMEOUT_S 10L
#define MAX_SOCKETS 256 /* sends in flight at once, far above the worker count */

struct mail_transport {
    bool smtp;
    char *url;          /* SMTP: the whole URL (secret) */
    char *dir;          /* files: DATA_DIR/mail/outbox */
    char describe[600];
    long timeout_s;     /* whole SMTP conversation */
    atomic_bool interrupted;
    pthread_mutex_t lock; /* guards sockets */
    int sockets[MAX_SOCKETS]; /* open SMTP connections; -1 = free slot */
};

/* ---------------------------------------------------------------- set-up */

/* "smtp://host:port" from the URL, credentials left out. */
static void describe_url(const char *url, char *out, size_t size)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
        curl_url_get(u, CURLUPART_HOST, &host, 0);
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    }
    snprintf(out, size, "%s://%s:%s", scheme ? scheme : "smtp", host ? host : "?",
             port ? port : "?");
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

mail_transport *mail_transport_new(const config *cfg)
{
    mail_transport *t = xcalloc(1, sizeof(*t));
    atomic_init(&t->interrupted, false);
    pthread_mutex_init(&t->lock, NULL);
    for (int i = 0; i < MAX_SOCKETS; i++)
        t->sockets[i] = -1;
    long lease_half = cfg->job_lease / 2;
    t->timeout_s = lease_half < 5 ? 5 : lease_half > 60 ? 60 : lease_half;
    if (cfg->smtp_url[0]) {
        t->smtp = true;
        t->url = xstrdup(cfg->smtp_url);
        describe_url(t->url, t->describe, sizeof(t->describe));
    } else {
        size_t n = strlen(cfg->data_dir) + sizeof("/mail/outbox");
        t->dir = xmalloc(n);
        snprintf(t->dir, n, "%s/mail/outbox", cfg->data_dir);
        snprintf(t->describe, sizeof(t->describe), "files in %.500s", t->dir);
    }
    return t;
}

void mail_transport_free(mail_transport *t)
{
    if (!t)
        return;
    if (t->url) /* wipe the password */
        memset(t->url, 0, strlen(t->url));
    free(t->url);
    free(t->dir);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

void mail_transport_interrupt(mail_transport *t)
{
    atomic_store(&t->interrupted, true);
    pthread_mutex_lock(&t->lock);
    for (int i = 0; i < MAX_SOCKETS; i++)
        if (t->sockets[i] >= 0)
            shutdown(t->sockets[i], SHUT_RDWR); /* the blocked read returns at once */
    pthread_mutex_unlock(&t->lock);
}

const char *mail_transport_describe(const mail_transport *t)
{
    return t->describe;
}

/* ---------------------------------------------------------------- files */

static mail_send_rc write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return MAIL_TEMPFAIL;
        p += w;
        len -= (size_t)w;
    }
    return MAIL_SENT;
}

static mail_send_rc send_file(const mail_transport *t, const char *message_id, const char *msg,
                              size_t len, char *err, size_t errsize)
{
    char name[200];
    size_t n = 0;
    for (const char *p = message_id; *p && n < sizeof(name) - 5; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '@' || c == '_';
        name[n] = ok && !(n == 0 && c == '.') ? c : '_';
        n++;
    }
    name[n] = '\0';
    char final[1400], tmp[1400];
    uint32_t rnd;
    secure_random(&rnd, sizeof(rnd));
    snprintf(final, sizeof(final), "%s/%s.eml", t->dir, name);
    snprintf(tmp, sizeof(tmp), "%s/.tmp-%08x-%s", t->dir, (unsigned)rnd, name);
    if (!config_mkdir_p(t->dir)) {
        snprintf(err, errsize, "cannot create %.300s: %s", t->dir, strerror(errno));
        return MAIL_TEMPFAIL;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errsize, "cannot create %.300s: %s", tmp, strerror(errno));
        return MAIL_TEMPFAIL;
    }
    mail_send_rc rc = write_all(fd, msg, len);
    if (rc == MAIL_SENT && fsync(fd) != 0)
        rc = MAIL_TEMPFAIL;
    if (close(fd) != 0)
        rc = MAIL_TEMPFAIL;
    if (rc == MAIL_SENT && rename(tmp, final) != 0)
        rc = MAIL_TEMPFAIL;
    if (rc != MAIL_SENT) {
        snprintf(err, errsize, "cannot write %.300s: %s", final, strerror(errno));
        unlink(tmp);
        return rc;
    }
    int dfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* make the rename durable */
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return MAIL_SENT;
}

/* ---------------------------------------------------------------- SMTP */

typedef struct upload {
    const char *data;
    size_t len, pos;
} upload;

static size_t read_cb(char *buf, size_t size, size_t nitems, void *userp)
{
    upload *u = userp;
    size_t room = size * nitems, left = u->len - u->pos;
    size_t n = left < room ? left : room;
    memcpy(buf, u->data + u->pos, n);
    u->pos += n;
    return n;
}

/* libcurl opens and closes its sockets through these, so that
 * mail_transport_interrupt() can find them. */
static curl_socket_t open_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    (void)purpose;
    mail_transport *t = clientp;
    if (atomic_load(&t->interrupted))
        return CURL_SOCKET_BAD;
    int fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
    if (fd < 0)
        return CURL_SOCKET_BAD;
    pthread_mutex_lock(&t->lock);
    int i = 0;
    while (i < MAX_SOCKETS && t->sockets[i] >= 0)
        i++;
    if (i < MAX_SOCKETS)
        t->sockets[i] = fd;
    pthread_mutex_unlock(&t->lock);
    if (i == MAX_SOCKETS) {
        close(fd);
        return CURL_SOCKET_BAD;
    }
    return fd;
}

static int close_cb(void *clientp, curl_socket_t fd)
{
    mail_transport *t = clientp;
    pthread_mutex_lock(&t->lock);
    for (int i = 0; i < MAX_SOCKETS; i++)
        if (t->sockets[i] == fd)
            t->sockets[i] = -1;
    pthread_mutex_unlock(&t->lock);
    return close(fd);
}

/* 5xx is permanent; 4xx, no answer at all and transport trouble are not. */
static mail_send_rc classify(CURLcode cc, long code)
{
    if (cc == CURLE_OK)
        return MAIL_SENT;
    if (code >= 500 && code <= 599)
        return MAIL_PERMFAIL;
    if (cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL)
        return MAIL_PERMFAIL;
    return MAIL_TEMPFAIL;
}

static mail_send_rc send_smtp(mail_transport *t, const char *from, const char *to,
                              const char *msg, size_t len, char *err, size_t errsize)
{
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(err, errsize, "cannot start libcurl");
        return MAIL_TEMPFAIL;
    }
    char from_arg[300], to_arg[300], curl_err[CURL_ERROR_SIZE] = "";
    snprintf(from_arg, sizeof(from_arg), "<%s>", from);
    snprintf(to_arg, sizeof(to_arg), "<%s>", to);
    struct curl_slist *rcpt = curl_slist_append(NULL, to_arg);
    upload u = {msg, len, 0};
    curl_easy_setopt(curl, CURLOPT_URL, t->url);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from_arg);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(curl, CURLOPT_READDATA, &u);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, t->timeout_s);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_cb);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(curl, CURLOPT_CLOSESOCKETFUNCTION, close_cb);
    curl_easy_setopt(curl, CURLOPT_CLOSESOCKETDATA, t);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    CURLcode cc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    mail_send_rc rc = classify(cc, code);
    if (rc != MAIL_SENT && atomic_load(&t->interrupted))
        rc = MAIL_ABORTED; /* we cut the connection ourselves */
    if (rc != MAIL_SENT) /* curl's messages name hosts and codes, never the URL's password */
        snprintf(err, errsize, "SMTP %s: %s%s%.200s%s", t->describe, curl_easy_strerror(cc),
                 curl_err[0] ? " (" : "", curl_err, curl_err[0] ? ")" : "");
    if (rc != MAIL_SENT && code)
        snprintf(err + strlen(err), errsize - strlen(err), " [reply %ld]", code);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    return rc;
}

mail_send_rc mail_transport_send(mail_transport *t, const char *from, const char *to,
                                 const char *message_id, const char *msg, size_t len,
                                 char *err, size_t errsize)
{
    err[0] = '\0';
    if (atomic_load(&t->interrupted)) {
        snprintf(err, errsize, "stopping");
        return MAIL_ABORTED;
    }
    if (t->smtp)
        return send_smtp(t, from, to, msg, len, err, errsize);
    return send_file(t, message_id, msg, len, err, errsize);
}
