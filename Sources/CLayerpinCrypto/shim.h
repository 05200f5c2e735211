#ifndef CLAYERPIN_CRYPTO_SHIM_H
#define CLAYERPIN_CRYPTO_SHIM_H
#include <openssl/evp.h>
#endif
