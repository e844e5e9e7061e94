#include "ccurl.h"
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

struct ccurl_handle { CURL *curl; };

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static void global_init(void) { curl_global_init(CURL_GLOBAL_ALL); }

ccurl_handle *ccurl_open(void) {
    pthread_once(&global_once, global_init);
    ccurl_handle *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->curl = curl_easy_init();
    if (!h->curl) { free(h); return NULL; }
    return h;
}

void ccurl_close(ccurl_handle *h) {
    if (!h) return;
    curl_easy_cleanup(h->curl);
    free(h);
}

typedef struct { ccurl_sink sink; void *context; } sink_box;
typedef struct { ccurl_source source; void *context; } source_box;

static size_t write_cb(char *data, size_t size, size_t n, void *box) {
    sink_box *b = box;
    return b->sink ? b->sink(data, size * n, b->context) : size * n;
}

static size_t read_cb(char *buffer, size_t size, size_t n, void *box) {
    source_box *b = box;
    return b->source(buffer, size * n, b->context);
}

typedef struct { ccurl_stop stop; void *context; } stop_box;

static int progress_cb(void *box, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
    (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
    stop_box *b = box;
    return b->stop(b->context) ? 1 : 0;
}

int ccurl_perform(ccurl_handle *h, const ccurl_request *r, long *status, char *error, size_t error_size) {
    CURL *c = h->curl;
    curl_easy_reset(c);  /* options are per request; the connection cache survives */
    char message[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, message);
    curl_easy_setopt(c, CURLOPT_URL, r->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024L);  /* fewer, larger writes on fast links */
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms > 0 ? r->connect_timeout_ms : 10000L);
    if (r->stall_seconds > 0) {
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, r->stall_seconds);
    }
    struct curl_slist *list = NULL;
    for (int i = 0; i < r->header_count; i++) list = curl_slist_append(list, r->headers[i]);
    list = curl_slist_append(list, "Expect:");  /* no 100-continue round trip before bodies */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    if (r->follow_redirects) {
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
        curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    }

    sink_box data = { r->on_data, r->data_context }, header = { r->on_header, r->header_context };
    source_box body = { r->body, r->body_context };
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &data);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &header);
    stop_box stop = { r->should_stop, r->stop_context };
    if (r->should_stop) {
        /* The write callback only runs when bytes arrive; this one also runs on a stalled link. */
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &stop);
    }

    if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (r->body) {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);  /* PUT-style body from the callback */
        curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(c, CURLOPT_READDATA, &body);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->body_length);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
        if (strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 || strcmp(r->method, "PATCH") == 0) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        }
    }
    CURLcode code = curl_easy_perform(c);
    curl_slist_free_all(list);
    if (code != CURLE_OK) {
        snprintf(error, error_size, "%s", message[0] ? message : curl_easy_strerror(code));
        return (int)code;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    return 0;
}
