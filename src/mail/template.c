/* template.c — see template.h. */
#include "mail/template.h"

#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"

static const char *const kind_names[] = {"confirmation", "reschedule", "cancellation",
                                         "reminder"};

const char *mail_kind_name(mail_kind k)
{
    return kind_names[k];
}

bool mail_kind_parse(const char *s, mail_kind *out)
{
    for (int i = 0; i < 4; i++) {
        if (s && strcmp(s, kind_names[i]) == 0) {
            *out = (mail_kind)i;
            return true;
        }
    }
    return false;
}

static bool set(const char *s)
{
    return s && *s;
}

const char *mail_lead_time(arena *a, int minutes)
{
    int d = minutes / 1440, h = minutes / 60 % 24, m = minutes % 60;
    if (d && !m && (h == 0 || d > 1)) /* 1440 → "24 hours" reads better than "1 day" */
        return h ? arena_printf(a, "%d days %d hour%s", d, h, h == 1 ? "" : "s")
                 : d == 1 ? "24 hours" : arena_printf(a, "%d days", d);
    int hours = minutes / 60;
    if (hours && !m)
        return arena_printf(a, "%d hour%s", hours, hours == 1 ? "" : "s");
    if (hours)
        return arena_printf(a, "%d hour%s %d minute%s", hours, hours == 1 ? "" : "s", m,
                            m == 1 ? "" : "s");
    return arena_printf(a, "%d minute%s", m, m == 1 ? "" : "s");
}

/* ---------------------------------------------------------------- words */

static const char *other_party(const mail_view *v)
{
    return v->to_host ? v->invitee_name : v->host_names;
}

static const char *subject(arena *a, const mail_view *v)
{
    const char *what = v->meeting_name, *who = other_party(v);
    switch (v->kind) {
    case MAIL_CONFIRMATION:
        return v->to_host ? arena_printf(a, "New booking: %s with %s on %s", what, who, v->when)
                          : arena_printf(a, "Confirmed: %s with %s on %s", what, who, v->when);
    case MAIL_RESCHEDULE:
        return arena_printf(a, "Rescheduled: %s with %s, now on %s", what, who, v->when);
    case MAIL_CANCELLATION:
        return arena_printf(a, "Cancelled: %s with %s on %s", what, who, v->when);
    case MAIL_REMINDER:
        return arena_printf(a, "Reminder: %s with %s on %s", what, who, v->when);
    }
    return "";
}

static const char *opening(arena *a, const mail_view *v)
{
    switch (v->kind) {
    case MAIL_CONFIRMATION:
        return v->to_host ? arena_printf(a, "%s booked a meeting with you.", v->invitee_name)
                          : "Your meeting is confirmed.";
    case MAIL_RESCHEDULE:
        return "This meeting has moved to a new time.";
    case MAIL_CANCELLATION:
        return "This meeting has been cancelled.";
    case MAIL_REMINDER:
        return arena_printf(a, "A reminder: this meeting starts in %s.",
                            mail_lead_time(a, v->minutes_before));
    }
    return "";
}

/* The detail rows as (label, value) pairs; value NULL ends the list. */
typedef struct row {
    const char *label, *value;
} row;

static size_t rows_of(arena *a, const mail_view *v, row out[8])
{
    size_t n = 0;
    out[n++] = (row){"What", v->meeting_name};
    out[n++] = (row){"When", arena_printf(a, "%s - %s (%s)", v->when, v->until, v->zone_label)};
    if (v->kind == MAIL_RESCHEDULE && set(v->previous_when))
        out[n++] = (row){"Was", v->previous_when};
    out[n++] = (row){"Host", v->host_names};
    out[n++] = (row){"Invitee", arena_printf(a, "%s <%s>", v->invitee_name, v->invitee_email)};
    if (set(v->location))
        out[n++] = (row){"Where", v->location};
    if (set(v->notes) && v->to_host)
        out[n++] = (row){"Notes", v->notes};
    if (set(v->reason) && (v->kind == MAIL_CANCELLATION || v->kind == MAIL_RESCHEDULE))
        out[n++] = (row){"Reason", v->reason};
    return n;
}

static const char *closing(const mail_view *v)
{
    if (v->kind == MAIL_CANCELLATION)
        return "The attached invite.ics removes the event from your calendar.";
    return "The attached invite.ics adds the event to your calendar (or updates it).";
}

/* ---------------------------------------------------------------- text and HTML */

static void html_escape(strbuf *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': strbuf_append_str(out, "&amp;"); break;
        case '<': strbuf_append_str(out, "&lt;"); break;
        case '>': strbuf_append_str(out, "&gt;"); break;
        case '"': strbuf_append_str(out, "&quot;"); break;
        case '\'': strbuf_append_str(out, "&#39;"); break;
        case '\n': strbuf_append_str(out, "<br>"); break;
        default: strbuf_append(out, s, 1);
        }
    }
}

static const char *render_text(arena *a, const mail_view *v, const row *rows, size_t n)
{
    strbuf sb;
    strbuf_init(&sb, 0);
    strbuf_appendf(&sb, "Hello %s,\n\n%s\n\n", v->recipient_name, opening(a, v));
    for (size_t i = 0; i < n; i++)
        strbuf_appendf(&sb, "%-8s %s\n", arena_printf(a, "%s:", rows[i].label), rows[i].value);
    if (set(v->manage_url))
        strbuf_appendf(&sb, "\nNeed to make a change? Reschedule or cancel here:\n%s\n",
                       v->manage_url);
    strbuf_appendf(&sb, "\n%s\n\n-- \nSent by Calendula\n", closing(v));
    const char *s = arena_strdup(a, sb.buf ? sb.buf : "");
    strbuf_release(&sb);
    return s;
}

static const char *render_html(arena *a, const mail_view *v, const row *rows, size_t n)
{
    strbuf sb;
    strbuf_init(&sb, 0);
    strbuf_append_str(&sb, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    html_escape(&sb, subject(a, v));
    strbuf_append_str(&sb, "</title></head>\n<body style=\"font-family:sans-serif\">\n<p>Hello ");
    html_escape(&sb, v->recipient_name);
    strbuf_append_str(&sb, ",</p>\n<p>");
    html_escape(&sb, opening(a, v));
    strbuf_append_str(&sb, "</p>\n<table>\n");
    for (size_t i = 0; i < n; i++) {
        strbuf_append_str(&sb, "<tr><th align=\"left\" valign=\"top\">");
        html_escape(&sb, rows[i].label);
        strbuf_append_str(&sb, "</th><td>");
        html_escape(&sb, rows[i].value);
        strbuf_append_str(&sb, "</td></tr>\n");
    }
    strbuf_append_str(&sb, "</table>\n");
    if (set(v->manage_url)) {
        strbuf_append_str(&sb, "<p><a href=\"");
        html_escape(&sb, v->manage_url);
        strbuf_append_str(&sb, "\">Reschedule or cancel</a></p>\n");
    }
    strbuf_append_str(&sb, "<p>");
    html_escape(&sb, closing(v));
    strbuf_append_str(&sb, "</p>\n<p style=\"color:#666\">Sent by Calendula</p>\n</body></html>\n");
    const char *s = arena_strdup(a, sb.buf ? sb.buf : "");
    strbuf_release(&sb);
    return s;
}

void mail_render(arena *a, const mail_view *v, mail_rendered *out)
{
    row rows[8];
    size_t n = rows_of(a, v, rows);
    out->subject = subject(a, v);
    out->text = render_text(a, v, rows, n);
    out->html = render_html(a, v, rows, n);
}
