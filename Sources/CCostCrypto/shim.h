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

/// AES-GCM parameters are set and read through `EVP_CIPHER_CTX_ctrl` with `EVP_CTRL_GCM_*` macros;
/// these wrappers give Swift typed calls. Each returns 1 on success.
static inline int ccostcrypto_gcm_set_iv_length(EVP_CIPHER_CTX *ctx, int length) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, length, NULL);
}

static inline int ccostcrypto_gcm_get_tag(EVP_CIPHER_CTX *ctx, unsigned char *tag, int length) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, length, tag);
}

static inline int ccostcrypto_gcm_set_tag(EVP_CIPHER_CTX *ctx, const unsigned char *tag, int length) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, length, (void *)tag);
}

#endif
