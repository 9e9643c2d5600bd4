/*
 * transport.c - transport key pairs and sealed boxes, over OpenSSL's EVP
 * interfaces only (RSA-OAEP through EVP_PKEY_encrypt, AES-256-GCM through
 * sec/crypto.c).
 */
#include "sec/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sec/crypto.h"

#define TRANSPORT_BITS 3072
#define TRANSPORT_MIN_BITS 2048
#define TRANSPORT_MAGIC "STB1"
#define TRANSPORT_MAGIC_LEN 4
#define TRANSPORT_EK_MAX 1024 /* an RSA-8192 key's ek, a bound on input */

struct transport_key {
	EVP_PKEY *pkey;
};

int
transport_path(const char *master_key_file, char *out, size_t outsz)
{
	const char *slash = strrchr(master_key_file, '/');
	int n;

	if (slash == NULL)
		n = snprintf(out, outsz, "%s", TRANSPORT_FILE);
	else
		n = snprintf(out, outsz, "%.*s/%s",
		             (int)(slash - master_key_file), master_key_file,
		             TRANSPORT_FILE);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

static struct transport_key *
wrap_pkey(EVP_PKEY *p)
{
	struct transport_key *k;

	if (p == NULL)
		return NULL;
	if (EVP_PKEY_get_base_id(p) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(p) < TRANSPORT_MIN_BITS ||
	    (k = calloc(1, sizeof(*k))) == NULL) {
		EVP_PKEY_free(p);
		return NULL;
	}
	k->pkey = p;
	return k;
}

/* Writes a new pair to a temporary file and links it into place, so two
 * processes making it at once end with one key, never a torn file. */
static int
create_pair(const char *path)
{
	char tmp[4096];
	EVP_PKEY *p =
	    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)TRANSPORT_BITS);
	FILE *f = NULL;
	int fd, rc = -1;

	if (p == NULL || snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path,
	                          (long)getpid()) >= (int)sizeof(tmp))
		goto out;
	if ((fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY, 0600)) < 0 ||
	    (f = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (PEM_write_PrivateKey(f, p, NULL, NULL, 0, NULL, NULL) == 1 &&
	    fflush(f) == 0 && fsync(fileno(f)) == 0 &&
	    (link(tmp, path) == 0 || errno == EEXIST))
		rc = 0;
	fclose(f);
	unlink(tmp);
out:
	EVP_PKEY_free(p);
	return rc;
}

struct transport_key *
transport_load_or_create(const char *path)
{
	struct stat st;
	EVP_PKEY *p;
	FILE *f;

	if (stat(path, &st) != 0 && errno == ENOENT && create_pair(path) < 0) {
		fprintf(stderr, "strata: cannot make the transport key %s\n",
		        path);
		return NULL;
	}
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "strata: no transport key file %s\n", path);
		return NULL;
	}
	if ((st.st_mode & 077) != 0) {
		fprintf(stderr,
		        "strata: the transport key %s is readable by others "
		        "(chmod 600)\n",
		        path);
		return NULL;
	}
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "strata: cannot read %s: %s\n", path,
		        strerror(errno));
		return NULL;
	}
	p = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (p == NULL)
		fprintf(stderr, "strata: %s holds no private key\n", path);
	return wrap_pkey(p);
}

struct transport_key *
transport_from_public_pem(const char *pem, size_t len)
{
	BIO *b;
	EVP_PKEY *p;

	if (pem == NULL || len == 0 || len > 64 * 1024 ||
	    (b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return NULL;
	p = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	BIO_free(b);
	return wrap_pkey(p);
}

struct transport_key *
transport_public_file(const char *path)
{
	char buf[64 * 1024];
	struct transport_key *k;
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "strata: cannot read %s: %s\n", path,
		        strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if ((k = transport_from_public_pem(buf, n)) == NULL)
		fprintf(stderr,
		        "strata: %s is not an RSA public key (PEM, >= 2048 "
		        "bits)\n",
		        path);
	return k;
}

char *
transport_public_pem(const struct transport_key *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (b == NULL)
		return NULL;
	if (PEM_write_bio_PUBKEY(b, k->pkey) == 1 &&
	    (n = BIO_get_mem_data(b, &data)) > 0 &&
	    (out = malloc((size_t)n + 1)) != NULL) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
	return out;
}

void
transport_free(struct transport_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

/* An OAEP (SHA-256, MGF1-SHA-256) context of k for encrypt or decrypt. */
static EVP_PKEY_CTX *
oaep_ctx(const struct transport_key *k, int encrypt)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);

	if (c == NULL)
		return NULL;
	if ((encrypt ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c)) !=
	        1 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()) != 1) {
		EVP_PKEY_CTX_free(c);
		return NULL;
	}
	return c;
}

/* ctx || ek, the GCM associated data (malloc'd), or NULL. */
static unsigned char *
box_aad(const void *ctx, size_t ctxlen, const unsigned char *ek, size_t eklen)
{
	unsigned char *ad = malloc(ctxlen + eklen + 1);

	if (ad == NULL)
		return NULL;
	if (ctxlen > 0)
		memcpy(ad, ctx, ctxlen);
	memcpy(ad + ctxlen, ek, eklen);
	return ad;
}

int
transport_seal(const struct transport_key *k, const void *ctx, size_t ctxlen,
               const void *in, size_t n, unsigned char **out, size_t *outlen)
{
	unsigned char cek[CRYPTO_KEY_LEN], *box = NULL, *ad = NULL;
	size_t eklen = 0, head;
	EVP_PKEY_CTX *c = oaep_ctx(k, 1);
	int rc = -1;

	*out = NULL;
	if (c == NULL || crypto_random(cek, sizeof(cek)) < 0 ||
	    EVP_PKEY_encrypt(c, NULL, &eklen, cek, sizeof(cek)) != 1 ||
	    eklen > TRANSPORT_EK_MAX)
		goto out;
	head = TRANSPORT_MAGIC_LEN + 2;
	if ((box = malloc(head + eklen + n + CRYPTO_SEAL_OVERHEAD)) == NULL)
		goto out;
	memcpy(box, TRANSPORT_MAGIC, TRANSPORT_MAGIC_LEN);
	if (EVP_PKEY_encrypt(c, box + head, &eklen, cek, sizeof(cek)) != 1)
		goto out;
	box[4] = (unsigned char)(eklen >> 8);
	box[5] = (unsigned char)(eklen & 0xff);
	if ((ad = box_aad(ctx, ctxlen, box + head, eklen)) == NULL ||
	    crypto_seal(cek, ad, ctxlen + eklen, in, n, box + head + eklen) < 0)
		goto out;
	*out = box;
	*outlen = head + eklen + n + CRYPTO_SEAL_OVERHEAD;
	box = NULL;
	rc = 0;
out:
	crypto_wipe(cek, sizeof(cek));
	free(box);
	free(ad);
	EVP_PKEY_CTX_free(c);
	return rc;
}

/* The content key of a box: ek decrypted with k's private key.  Returns
 * 0, or -1 when ek is not one for k. */
static int
open_ek(const struct transport_key *k, const unsigned char *ek, size_t eklen,
        unsigned char cek[CRYPTO_KEY_LEN])
{
	unsigned char buf[TRANSPORT_EK_MAX];
	size_t n = sizeof(buf);
	EVP_PKEY_CTX *c = oaep_ctx(k, 0);
	int rc = -1;

	if (c != NULL && EVP_PKEY_decrypt(c, buf, &n, ek, eklen) == 1 &&
	    n == CRYPTO_KEY_LEN) {
		memcpy(cek, buf, CRYPTO_KEY_LEN);
		rc = 0;
	}
	crypto_wipe(buf, sizeof(buf));
	EVP_PKEY_CTX_free(c);
	return rc;
}

int
transport_open(const struct transport_key *k, const void *ctx, size_t ctxlen,
               const unsigned char *in, size_t len, unsigned char **out,
               size_t *outlen)
{
	unsigned char cek[CRYPTO_KEY_LEN], *plain = NULL, *ad = NULL;
	size_t head = TRANSPORT_MAGIC_LEN + 2, eklen, n;
	int rc = -1;

	*out = NULL;
	if (len < head || memcmp(in, TRANSPORT_MAGIC, TRANSPORT_MAGIC_LEN) != 0)
		return -1;
	eklen = ((size_t)in[4] << 8) | in[5];
	if (eklen == 0 || eklen > TRANSPORT_EK_MAX ||
	    len < head + eklen + CRYPTO_SEAL_OVERHEAD)
		return -1;
	n = len - head - eklen - CRYPTO_SEAL_OVERHEAD;
	if (open_ek(k, in + head, eklen, cek) < 0)
		return -1;
	if ((plain = malloc(n + 1)) == NULL ||
	    (ad = box_aad(ctx, ctxlen, in + head, eklen)) == NULL ||
	    crypto_open(cek, ad, ctxlen + eklen, in + head + eklen,
	                len - head - eklen, plain) < 0)
		goto out;
	plain[n] = '\0';
	*out = plain;
	*outlen = n;
	plain = NULL;
	rc = 0;
out:
	crypto_wipe(cek, sizeof(cek));
	if (plain != NULL) {
		crypto_wipe(plain, n);
		free(plain);
	}
	free(ad);
	return rc;
}
