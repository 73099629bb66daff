/* The libmicrohttpd side of `tolk serve`: per-connection request state, body collection under
 * the size limit, routing, API-key and CORS handling, and turning an sv_reply into a response. */
#ifndef TOLK_SERVE_HTTP_H
#define TOLK_SERVE_HTTP_H

#include <microhttpd.h>

#include "serve_ctx.h"

/* libmicrohttpd callbacks; CLS is the sv_server. */
void *sh_uri_log(void *cls, const char *uri, struct MHD_Connection *c);
void sh_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe);
enum MHD_Result sh_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls);

/* Set once shutdown starts: new requests get 503. */
extern atomic_int sh_stopping;

/* Constant-time comparison of a client's key with the configured one (time depends only on the
 * configured key's length). */
int sh_key_equal(const char *given, size_t given_len, const char *key);

#endif
