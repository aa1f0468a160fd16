#ifndef CCOSTCRYPTO_SHIM_H
#define CCOSTCRYPTO_SHIM_H

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/opensslv.h>

/// `OPENSSL_VERSION_TEXT` is a string macro; expose it as a function.
static inline const char *ccostcrypto_version_text(void) {
    return OpenSSL_version(OPENSSL_VERSION);
}

#endif
