/* static.c — see static.h. */
#include "http/static.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATIC_MAX_FILE (16u * 1024 * 1024)

static const struct {
    const char *ext;
    const char *type;
} mime_types[] = {
    {".html", "text/html; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},           {".svg", "image/svg+xml"},
    {".png", "image/png"},                   {".jpg", "image/jpeg"},
    {".ico", "image/x-icon"},                {".webp", "image/webp"},
    {".woff2", "font/woff2"},                {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"}, {".map", "application/json"},
};

/* The page's policy: our own scripts and styles only, no framing. */
#define HTML_CSP "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " \
                 "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; " \
                 "frame-ancestors 'none'"

static const char *mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return NULL;
    for (size_t i = 0; i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
        if (strcmp(dot, mime_types[i].ext) == 0)
            return mime_types[i].type;
    return "application/octet-stream";
}

static bool path_safe(const char *p)
{
    if (p[0] != '/' || strstr(p, "..") || strchr(p, '\\') || strstr(p, "//"))
        return false;
    for (const unsigned char *c = (const unsigned char *)p; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return false;
    return true;
}

static void free_body(void *p)
{
    free(p);
}

/* Reads a regular file into res; false when it is missing or unreadable. */
static bool send_file(http_request *req, http_response *res, const char *file, const char *type,
                      bool immutable)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= STATIC_MAX_FILE;
    char *buf = ok ? malloc((size_t)st.st_size + 1) : NULL;
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0 && errno != EINTR)
            break;
        if (n > 0)
            got += (size_t)n;
    }
    close(fd);
    if (!buf || got != (size_t)st.st_size) {
        free(buf);
        return false;
    }
    arena_on_free(req->arena, free_body, buf);
    http_text(res, req->arena, 200, type, buf, got);
    res->cacheable = true;
    http_add_header(res, req->arena, "Cache-Control",
                    immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (strncmp(type, "text/html", 9) == 0)
        http_add_header(res, req->arena, "Content-Security-Policy", HTML_CSP);
    return true;
}

bool static_serve(const char *root, http_request *req, http_response *res)
{
    bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    if (!root || !get || strncmp(req->path, "/api/", 5) == 0 || strcmp(req->path, "/api") == 0)
        return false;
    if (!path_safe(req->path))
        return false;
    const char *type = mime_of(req->path);
    bool immutable = strncmp(req->path, "/assets/", 8) == 0;
    if (type && strcmp(req->path, "/") != 0) {
        char *file = arena_printf(req->arena, "%s%s", root, req->path);
        if (send_file(req, res, file, type, immutable))
            return true;
        http_error(res, req->arena, 404, "not_found", "No such file.", NULL);
        return true;
    }
    /* An application route: the app's shell decides what to show. */
    char *index = arena_printf(req->arena, "%s/index.html", root);
    return send_file(req, res, index, "text/html; charset=utf-8", false);
}
