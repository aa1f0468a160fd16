#ifndef CCOSTTLS_SHIM_H
#define CCOSTTLS_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/// `SSL_set_tlsext_host_name` (SNI) is a macro over `SSL_ctrl`. Returns 1 on success.
static inline long ccosttls_set_server_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

/// `SSL_CTX_set_min_proto_version` is a macro over `SSL_CTX_ctrl`: TLS 1.2 at least. Returns 1 on success.
static inline int ccosttls_require_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

#endif
