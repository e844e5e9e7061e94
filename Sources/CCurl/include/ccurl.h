// A typed C face for the few libcurl calls srthub needs: curl_easy_setopt is variadic, which
// Swift cannot call, so each request is described by one struct and performed here.
#ifndef CCURL_H
#define CCURL_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Receives response body bytes (or one header line); returns the bytes taken (fewer aborts).
typedef size_t (*ccurl_sink)(const char *data, size_t size, void *context);
/// Returns nonzero to abort the transfer; asked at least once a second, also while no byte moves.
typedef int (*ccurl_stop)(void *context);
/// Fills `buffer` with up to `size` request body bytes; returns how many (0 = end).
typedef size_t (*ccurl_source)(char *buffer, size_t size, void *context);

typedef struct ccurl_request {
    const char *method;                /* "GET", "HEAD", "PUT", "POST", "PATCH", "DELETE" */
    const char *url;
    const char *const *headers;        /* "Name: value" lines */
    int header_count;
    ccurl_source body;                 /* NULL: no request body */
    void *body_context;
    long long body_length;             /* sent as Content-Length */
    ccurl_sink on_data;                /* NULL: the body is discarded */
    void *data_context;
    ccurl_sink on_header;
    void *header_context;
    ccurl_stop should_stop;            /* NULL: never stopped from outside */
    void *stop_context;
    long connect_timeout_ms;
    long stall_seconds;                /* abort when under 1 byte/s for this long (0: never) */
    int follow_redirects;              /* follow up to 5 http(s) redirects; custom Authorization
                                          headers are not sent on to another host (curl ≥ 7.58) */
} ccurl_request;

typedef struct ccurl_handle ccurl_handle;

/// A reusable connection (keep-alive across requests to the same host).
ccurl_handle *ccurl_open(void);
void ccurl_close(ccurl_handle *handle);

/// Performs one request. Returns 0 and sets *status, or a libcurl error code with a message in
/// `error` (NUL-terminated, at most error_size bytes).
int ccurl_perform(ccurl_handle *handle, const ccurl_request *request, long *status, char *error, size_t error_size);

#ifdef __cplusplus
}
#endif
#endif
