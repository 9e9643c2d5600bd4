/*
 * transport.h - sealing secrets for another region: each region's
 * transport key pair, and a sealed box only the holder of its private key
 * opens.
 *
 * The pair is RSA-3072 in a PEM file next to the master key (mode 0600),
 * made on first use.  A box is
 *
 *     "STB1" || len(ek) (2 bytes, big-endian) || ek || nonce(12) || ct ||
 * tag(16)
 *
 * where ek is a fresh AES-256-GCM key encrypted with RSA-OAEP (SHA-256,
 * MGF1-SHA-256) under the recipient's public key, and the GCM associated
 * data is the caller's context followed by ek, so a box opened under
 * another context, with another ek or any byte changed fails to open.
 *
 * Why RSA-OAEP and not X25519 + HKDF: OAEP is one EVP_PKEY_encrypt call
 * with OpenSSL choosing every parameter we name, where the X25519 route
 * needs a key agreement, a KDF and a transcript we would assemble
 * ourselves; the cost (a slow key generation, 384 bytes per box) is paid
 * once per region and once per export.
 */
#ifndef STRATA_SEC_TRANSPORT_H
#define STRATA_SEC_TRANSPORT_H

#include <stddef.h>

/* A public key, or a key pair (opaque). */
struct transport_key;

#define TRANSPORT_FILE "transport_key.pem"

/* The path of the transport key beside master_key_file, into out (size
 * outsz).  Returns 0, or -1 when it does not fit. */
int transport_path(const char *master_key_file, char *out, size_t outsz);

/* Loads the key pair from path, making it first (RSA-3072, mode 0600)
 * when no file is there.  Refuses (NULL, reason on stderr) a file that
 * group or others may read, or that is no RSA private key. */
struct transport_key *transport_load_or_create(const char *path);

/* A public key from PEM text (len bytes).  NULL when it is not an RSA
 * public key of at least 2048 bits. */
struct transport_key *transport_from_public_pem(const char *pem, size_t len);

/* A public key from a PEM file; NULL (reason on stderr) when it cannot be
 * read or is not one. */
struct transport_key *transport_public_file(const char *path);

/* The public key as PEM text (malloc'd, NUL-terminated; the caller frees
 * it), or NULL. */
char *transport_public_pem(const struct transport_key *k);

void transport_free(struct transport_key *k);

/* Seals in[0..n) for k under the context ctx[0..ctxlen).  *out is
 * malloc'd (the caller frees it), *outlen its length.  Returns 0 or -1. */
int transport_seal(const struct transport_key *k, const void *ctx,
                   size_t ctxlen, const void *in, size_t n, unsigned char **out,
                   size_t *outlen);

/* Opens a box sealed for k's private key under ctx.  *out is malloc'd
 * (the caller wipes and frees it).  Returns 0, or -1 for a public-only
 * key, a truncated or malformed box, another key, another context or any
 * changed byte. */
int transport_open(const struct transport_key *k, const void *ctx,
                   size_t ctxlen, const unsigned char *in, size_t len,
                   unsigned char **out, size_t *outlen);

#endif
