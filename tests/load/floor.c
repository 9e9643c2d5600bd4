/*
 * floor.c - the `floor` of make bench: the cost of the architecture itself.
 *
 *   floor SOCKET WORKERS        (conninfo in FLOOR_DB)
 *
 * A FastCGI responder with the shape of `strata serve` and none of its
 * work: WORKERS processes accept on one unix socket; each holds one
 * PostgreSQL connection in pipeline mode and answers
 * GET /floor?t=<tenant id>&r=<record id> with the record's data, read by
 * BEGIN / set tenant / SELECT by (tenant_id, id) / COMMIT as one pipelined
 * round trip under forced row-level security.  No authentication, no
 * routing, no JSON work.  FCGX_Detach before FCGX_Finish_r, as the real
 * worker does.
 */
#include <fcgiapp.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ID_LEN 36

static const char *const stmts[][2] = {
    {"f_begin", "BEGIN"},
    {"f_tenant", "SELECT set_config('strata.tenant_id', $1, true)"},
    {"f_get", "SELECT data::text FROM strata.records WHERE tenant_id = "
              "$1::uuid AND id = $2::uuid"},
    {"f_commit", "COMMIT"},
};

/* The 36-character value of name= in the query string into out. */
static int
arg(const char *qs, const char *name, char out[ID_LEN + 1])
{
	size_t n = strlen(name);

	for (const char *p = qs; p != NULL && *p;) {
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			size_t len = strcspn(p + n + 1, "&");

			if (len != ID_LEN)
				return -1;
			memcpy(out, p + n + 1, ID_LEN);
			out[ID_LEN] = '\0';
			return 0;
		}
		p = strchr(p, '&');
		if (p != NULL)
			p++;
	}
	return -1;
}

static PGconn *
connect_db(void)
{
	PGconn *c = PQconnectdb(getenv("FLOOR_DB") ? getenv("FLOOR_DB") : "");
	int nparams[] = {0, 1, 2, 0};

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "floor: %s", PQerrorMessage(c));
		exit(1);
	}
	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
		PGresult *r = PQprepare(c, stmts[i][0], stmts[i][1],
					nparams[i], NULL);

		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "floor: %s", PQerrorMessage(c));
			exit(1);
		}
		PQclear(r);
	}
	if (PQenterPipelineMode(c) != 1)
		exit(1);
	return c;
}

/* One pipelined round trip; the data text (malloc) or NULL. */
static char *
read_record(PGconn *c, const char *tid, const char *rid)
{
	const char *p1[1] = {tid}, *p2[2] = {tid, rid};
	char *out = NULL;
	PGresult *r;

	PQsendQueryPrepared(c, "f_begin", 0, NULL, NULL, NULL, 0);
	PQsendQueryPrepared(c, "f_tenant", 1, p1, NULL, NULL, 0);
	PQsendQueryPrepared(c, "f_get", 2, p2, NULL, NULL, 0);
	PQsendQueryPrepared(c, "f_commit", 0, NULL, NULL, NULL, 0);
	PQpipelineSync(c);
	for (int i = 0; i < 4; i++) {
		while ((r = PQgetResult(c)) != NULL) {
			if (i == 2 && PQresultStatus(r) == PGRES_TUPLES_OK &&
			    PQntuples(r) == 1 && out == NULL)
				out = strdup(PQgetvalue(r, 0, 0));
			PQclear(r);
		}
	}
	while ((r = PQgetResult(c)) != NULL) {
		ExecStatusType st = PQresultStatus(r);

		PQclear(r);
		if (st == PGRES_PIPELINE_SYNC)
			break;
	}
	return out;
}

static void
serve(int fd)
{
	PGconn *c = connect_db();
	FCGX_Request fr;
	char tid[ID_LEN + 1], rid[ID_LEN + 1];

	FCGX_InitRequest(&fr, fd, 0);
	while (FCGX_Accept_r(&fr) == 0) {
		const char *qs = FCGX_GetParam("QUERY_STRING", fr.envp);
		char *data = NULL;

		if (arg(qs, "t", tid) == 0 && arg(qs, "r", rid) == 0)
			data = read_record(c, tid, rid);
		if (data != NULL) {
			char head[128];

			snprintf(head, sizeof(head),
				 "Status: 200 OK\r\nContent-Type: "
				 "application/json\r\nContent-Length: %lu\r\n\r\n",
				 (unsigned long)strlen(data));
			FCGX_PutS(head, fr.out);
			FCGX_PutS(data, fr.out);
			free(data);
		} else {
			FCGX_PutS("Status: 404 Not Found\r\nContent-Length: "
				  "0\r\n\r\n",
				  fr.out);
		}
		FCGX_Detach(&fr);
		FCGX_Finish_r(&fr);
	}
	PQfinish(c);
}

int
main(int argc, char **argv)
{
	int fd, n;

	if (argc != 3) {
		fprintf(stderr, "usage: FLOOR_DB=conninfo floor SOCKET WORKERS\n");
		return 2;
	}
	n = atoi(argv[2]);
	if (FCGX_Init() != 0)
		return 1;
	unlink(argv[1]);
	fd = FCGX_OpenSocket(argv[1], 1024);
	if (fd < 0)
		return 1;
	chmod(argv[1], 0777);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < (n > 0 ? n : 1); i++) {
		if (fork() == 0) {
			serve(fd);
			_exit(0);
		}
	}
	/* The workers end with the process group (make bench kills it). */
	while (wait(NULL) > 0)
		;
	return 0;
}
