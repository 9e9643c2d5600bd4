/*
 * masterkey.c - the KEK, loaded once before the workers fork.
 */
#include "sec/masterkey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sec/secmem.h"

/* In secmem (dontdump, wiped when freed); mapped at the first load. */
static unsigned char *kek;
static bool loaded;

/* The key's page, mapped once; NULL when no secret memory can be had. */
static unsigned char *
kek_page(void)
{
	if (kek == NULL)
		kek = secmem_alloc(CRYPTO_KEY_LEN);
	return kek;
}

int
masterkey_load(const char *path)
{
	struct stat st;
	unsigned char buf[CRYPTO_KEY_LEN + 1];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		fprintf(stderr, "strata: cannot open master key %s: %s\n", path,
		        strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "strata: master key is not a regular file\n");
		close(fd);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		fprintf(stderr,
		        "strata: master key %s must not be accessible "
		        "by group or others (chmod 600)\n",
		        path);
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != CRYPTO_KEY_LEN) {
		fprintf(stderr, "strata: master key must be exactly %d bytes\n",
		        CRYPTO_KEY_LEN);
		crypto_wipe(buf, sizeof(buf));
		return -1;
	}
	if (kek_page() == NULL) {
		fprintf(stderr,
		        "strata: no secret memory for the master key\n");
		crypto_wipe(buf, sizeof(buf));
		return -1;
	}
	memcpy(kek, buf, CRYPTO_KEY_LEN);
	crypto_wipe(buf, sizeof(buf));
	loaded = true;
	return 0;
}

void
masterkey_set(const unsigned char key[CRYPTO_KEY_LEN])
{
	if (kek_page() == NULL)
		abort();
	memcpy(kek, key, CRYPTO_KEY_LEN);
	loaded = true;
}

void
masterkey_wipe(void)
{
	secmem_free(kek, CRYPTO_KEY_LEN);
	kek = NULL;
	loaded = false;
}

/* "strata-key:v1" || tenant(16) || kid(16) || purpose */
static size_t
aad(const struct uuid *tenant, const char *purpose, const struct uuid *kid,
    unsigned char out[128])
{
	static const char label[] = "strata-key:v1";
	size_t n = sizeof(label) - 1, plen = strlen(purpose);

	if (plen > 128 - n - 32)
		plen = 128 - n - 32;
	memcpy(out, label, n);
	memcpy(out + n, tenant->b, 16);
	memcpy(out + n + 16, kid->b, 16);
	memcpy(out + n + 32, purpose, plen);
	return n + 32 + plen;
}

int
masterkey_wrap(const struct uuid *tenant, const char *purpose,
               const struct uuid *kid, const unsigned char key[CRYPTO_KEY_LEN],
               unsigned char out[MASTERKEY_WRAPPED_LEN])
{
	unsigned char ad[128];
	size_t adlen;

	if (!loaded)
		return -1;
	adlen = aad(tenant, purpose, kid, ad);
	return crypto_seal(kek, ad, adlen, key, CRYPTO_KEY_LEN, out);
}

int
masterkey_unwrap(const struct uuid *tenant, const char *purpose,
                 const struct uuid *kid, const unsigned char *wrapped,
                 size_t len, unsigned char key[CRYPTO_KEY_LEN])
{
	unsigned char ad[128];
	size_t adlen;

	if (!loaded || len != MASTERKEY_WRAPPED_LEN)
		return -1;
	adlen = aad(tenant, purpose, kid, ad);
	return crypto_open(kek, ad, adlen, wrapped, len, key);
}

int
masterkey_derive(const char *label, unsigned char out[CRYPTO_KEY_LEN])
{
	if (!loaded)
		return -1;
	return crypto_hmac_sha256(kek, CRYPTO_KEY_LEN, label, strlen(label),
	                          out);
}
