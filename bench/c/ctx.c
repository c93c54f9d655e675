/*
 * The contexts benchmark in C on NNG's native API (libnng 1.5.2): requests per second with N
 * requests in flight between two processes, the counterpart of bench/contexts/ctx_{rep,req}.ts.
 *
 *   gcc -O2 bench/c/ctx.c -o ctx -lnng -lpthread
 *   ln -s ctx ctx_rep; ln -s ctx ctx_req      (the tool is argv[0]'s basename)
 *
 *   ctx_rep <bind-to> <msg-size> <inflight> contexts [--json]
 *       A REP socket with <inflight> contexts, each driven by its own aio callback (receive,
 *       send the same message back, receive again: NNG's own async server pattern). It serves
 *       until its standard input ends, then prints its report. A line "start" or "stop" on
 *       standard input marks the measured window (the runner forwards the client's marks), so
 *       its work CPU covers the same interval as the client's.
 *
 *   ctx_req <connect-to> <msg-size> <inflight> contexts|aio <warmup-ms> <measure-ms> [--json]
 *       A REQ socket with <inflight> contexts. `contexts`: one thread per context, each looping
 *       send(msg-size bytes) / nng_aio_wait / recv / nng_aio_wait. `aio`: no threads of ours,
 *       each context driven by its aio callback (send, then recv, then send again), as ctx_rep. Once every context has had one reply, it
 *       waits <warmup-ms>, then counts the replies that arrive in the next <measure-ms> and
 *       prints requests per second. It prints "start" and "stop" lines (with --json) at the
 *       edges of the window.
 *
 * The command lines are the TypeScript tools' (bench/contexts/common.ts), whose other modes
 * (a plain REP socket, N REQ sockets) this program does not have; the --json object has the
 * same keys. NNG's defaults are kept: TCP_NODELAY on, req:resend-time 60 s.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

static const char *tool;
static bool json;
static const char *url;
static size_t msg_size;
static int inflight;

static void fatal(const char *what, int rv) {
	fprintf(stderr, "%s: %s: %s\n", tool, what, rv ? nng_strerror(rv) : "failed");
	_exit(2);
}

static int64_t now_us(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct cpu {
	int64_t user, sys;
};

static struct cpu cpu_mark(void) {
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	struct cpu c = {(int64_t) ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec, (int64_t) ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec};
	return c;
}

/* VmHWM from /proc/self/status (ru_maxrss survives exec), else ru_maxrss. */
static long peak_rss_kib(void) {
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	if (f) {
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
		fclose(f);
	}
	if (kib < 0) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		kib = ru.ru_maxrss;
	}
	return kib;
}

static void sleep_ms(long ms) {
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static void report(const char *mode, int64_t elapsed_us, uint64_t requests, struct cpu from, struct cpu to) {
	struct cpu all = cpu_mark();
	long rss = peak_rss_kib();
	double rate = elapsed_us > 0 ? (double) requests * 1e6 / (double) elapsed_us : 0;
	if (!json) {
		if (elapsed_us >= 0) {
			printf("message size: %zu [B]\nin flight: %d\nrequests: %" PRIu64 "\nthroughput: %.0f [req/s]\n", msg_size, inflight, requests, rate);
		}
		fflush(stdout);
		return;
	}
	printf("{\"tool\":\"%s\",\"impl\":\"nng\",\"mode\":\"%s\",\"url\":\"%s\",\"size\":%zu,\"inflight\":%d,", tool, mode, url, msg_size, inflight);
	if (elapsed_us >= 0)
		printf("\"elapsedUs\":%" PRId64 ",\"requests\":%" PRIu64 ",\"reqPerSec\":%.0f,", elapsed_us, requests, rate);
	else
		printf("\"elapsedUs\":null,\"requests\":null,\"reqPerSec\":null,");
	printf("\"maxRssKiB\":%ld,\"cpuUserUs\":%" PRId64 ",\"cpuSysUs\":%" PRId64 ",\"workCpuUserUs\":%" PRId64 ",\"workCpuSysUs\":%" PRId64 "}\n", rss, all.user, all.sys, to.user - from.user,
	    to.sys - from.sys);
	fflush(stdout);
}

/* ---- ctx_rep ---------------------------------------------------------------------------- */

struct work {
	enum { RECV, SEND } state;
	nng_aio *aio;
	nng_ctx ctx;
};

static void rep_cb(void *arg) {
	struct work *w = arg;
	int rv = nng_aio_result(w->aio);
	if (rv == NNG_ECLOSED) return;
	switch (w->state) {
	case RECV:
		if (rv != 0) fatal("nng_ctx_recv", rv);
		/* the request goes back as the reply: the aio still holds it */
		w->state = SEND;
		nng_ctx_send(w->ctx, w->aio);
		break;
	case SEND:
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(w->aio));
			fatal("nng_ctx_send", rv);
		}
		w->state = RECV;
		nng_ctx_recv(w->ctx, w->aio);
		break;
	}
}

static int ctx_rep(void) {
	nng_socket sock;
	int rv;
	if ((rv = nng_rep0_open(&sock)) != 0) fatal("nng_rep0_open", rv);
	struct work *works = calloc((size_t) inflight, sizeof *works);
	if (!works) fatal("calloc", 0);
	for (int i = 0; i < inflight; i++) {
		if ((rv = nng_aio_alloc(&works[i].aio, rep_cb, &works[i])) != 0) fatal("nng_aio_alloc", rv);
		if ((rv = nng_ctx_open(&works[i].ctx, sock)) != 0) fatal("nng_ctx_open", rv);
	}
	if ((rv = nng_listen(sock, url, NULL, 0)) != 0) fatal("nng_listen", rv);
	struct cpu from = cpu_mark(), to = from;
	bool stopped = false;
	for (int i = 0; i < inflight; i++) {
		works[i].state = RECV;
		nng_ctx_recv(works[i].ctx, works[i].aio);
	}
	/* serve until stdin ends; "start"/"stop" lines mark the client's measured window */
	char line[64];
	while (fgets(line, sizeof line, stdin)) {
		if (strncmp(line, "start", 5) == 0) from = cpu_mark();
		else if (strncmp(line, "stop", 4) == 0) {
			to = cpu_mark();
			stopped = true;
		}
	}
	if (!stopped) to = cpu_mark();
	report("contexts", -1, 0, from, to);
	_exit(0); /* the contexts still have receives pending; nothing to flush */
}

/* ---- ctx_req ---------------------------------------------------------------------------- */

static nng_socket req_sock;
static atomic_bool stop;
static atomic_uint_fast64_t replies;
static atomic_int ready;
static atomic_int finished;

static nng_msg *request(void) {
	nng_msg *msg;
	int rv;
	if ((rv = nng_msg_alloc(&msg, msg_size)) != 0) fatal("nng_msg_alloc", rv);
	memset(nng_msg_body(msg), 111, msg_size);
	return msg;
}

static void check_reply(nng_msg *msg) {
	if (nng_msg_len(msg) != msg_size) {
		fprintf(stderr, "%s: reply of %zu bytes, not %zu\n", tool, nng_msg_len(msg), msg_size);
		_exit(2);
	}
	nng_msg_free(msg);
}

/* ctx_req aio: one context driven by its aio callback */
struct req_work {
	enum { SENDING, RECEIVING } state;
	bool answered;
	nng_aio *aio;
	nng_ctx ctx;
};

static void req_cb(void *arg) {
	struct req_work *w = arg;
	int rv = nng_aio_result(w->aio);
	if (w->state == SENDING) {
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(w->aio));
			fatal("nng_ctx_send", rv);
		}
		w->state = RECEIVING;
		nng_ctx_recv(w->ctx, w->aio);
		return;
	}
	if (rv != 0) fatal("nng_ctx_recv", rv);
	check_reply(nng_aio_get_msg(w->aio));
	atomic_fetch_add_explicit(&replies, 1, memory_order_relaxed);
	if (!w->answered) {
		w->answered = true;
		atomic_fetch_add(&ready, 1);
	}
	if (atomic_load_explicit(&stop, memory_order_relaxed)) {
		atomic_fetch_add(&finished, 1);
		return;
	}
	w->state = SENDING;
	nng_aio_set_msg(w->aio, request());
	nng_ctx_send(w->ctx, w->aio);
}

static void *req_worker(void *arg) {
	(void) arg;
	nng_ctx ctx;
	nng_aio *aio;
	int rv;
	bool first = true;
	if ((rv = nng_ctx_open(&ctx, req_sock)) != 0) fatal("nng_ctx_open", rv);
	if ((rv = nng_aio_alloc(&aio, NULL, NULL)) != 0) fatal("nng_aio_alloc", rv);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		nng_msg *msg = request();
		nng_aio_set_msg(aio, msg);
		nng_ctx_send(ctx, aio);
		nng_aio_wait(aio);
		if ((rv = nng_aio_result(aio)) != 0) {
			nng_msg_free(msg);
			fatal("nng_ctx_send", rv);
		}
		nng_ctx_recv(ctx, aio);
		nng_aio_wait(aio);
		if ((rv = nng_aio_result(aio)) != 0) fatal("nng_ctx_recv", rv);
		check_reply(nng_aio_get_msg(aio));
		atomic_fetch_add_explicit(&replies, 1, memory_order_relaxed);
		if (first) {
			first = false;
			atomic_fetch_add(&ready, 1);
		}
	}
	nng_aio_free(aio);
	nng_ctx_close(ctx);
	return NULL;
}

static int ctx_req(bool aio, long warmup_ms, long measure_ms) {
	int rv;
	if ((rv = nng_req0_open(&req_sock)) != 0) fatal("nng_req0_open", rv);
	if ((rv = nng_dial(req_sock, url, NULL, 0)) != 0) fatal("nng_dial", rv);
	pthread_t *threads = NULL;
	struct req_work *works = NULL;
	if (aio) {
		works = calloc((size_t) inflight, sizeof *works);
		if (!works) fatal("calloc", 0);
		for (int i = 0; i < inflight; i++) {
			if ((rv = nng_aio_alloc(&works[i].aio, req_cb, &works[i])) != 0) fatal("nng_aio_alloc", rv);
			if ((rv = nng_ctx_open(&works[i].ctx, req_sock)) != 0) fatal("nng_ctx_open", rv);
		}
		for (int i = 0; i < inflight; i++) {
			works[i].state = SENDING;
			nng_aio_set_msg(works[i].aio, request());
			nng_ctx_send(works[i].ctx, works[i].aio);
		}
	} else {
		threads = calloc((size_t) inflight, sizeof *threads);
		if (!threads) fatal("calloc", 0);
		for (int i = 0; i < inflight; i++)
			if (pthread_create(&threads[i], NULL, req_worker, NULL) != 0) fatal("pthread_create", 0);
	}
	while (atomic_load(&ready) < inflight) sleep_ms(1);
	sleep_ms(warmup_ms);
	if (json) {
		printf("start\n");
		fflush(stdout);
	}
	struct cpu from = cpu_mark();
	int64_t t0 = now_us();
	uint64_t r0 = atomic_load(&replies);
	sleep_ms(measure_ms);
	uint64_t r1 = atomic_load(&replies);
	int64_t t1 = now_us();
	struct cpu to = cpu_mark();
	if (json) {
		printf("stop\n");
		fflush(stdout);
	}
	atomic_store(&stop, true);
	if (aio)
		while (atomic_load(&finished) < inflight) sleep_ms(1);
	else
		for (int i = 0; i < inflight; i++) pthread_join(threads[i], NULL);
	report(aio ? "aio" : "contexts", t1 - t0, r1 - r0, from, to);
	nng_close(req_sock);
	return 0;
}

/* ---- main ------------------------------------------------------------------------------- */

static bool integer(const char *s, long min, long *out) {
	char *end;
	if (!s || !*s) return false;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end || errno || v < min || v > 0x7fffffffL) return false;
	*out = v;
	return true;
}

int main(int argc, char **argv) {
	const char *base = strrchr(argv[0], '/');
	tool = base ? base + 1 : argv[0];
	const char *args[8];
	int n = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) json = true;
		else if (n < 8) args[n++] = argv[i];
		else n++;
	}
	long size, count, warmup, measure;
	if (strcmp(tool, "ctx_rep") == 0) {
		if (n != 4 || !integer(args[1], 0, &size) || !integer(args[2], 1, &count) || strcmp(args[3], "contexts") != 0) {
			printf("usage: ctx_rep <bind-to> <msg-size> <inflight> contexts [--json]\n");
			return 1;
		}
		url = args[0];
		msg_size = (size_t) size;
		inflight = (int) count;
		return ctx_rep();
	}
	if (strcmp(tool, "ctx_req") == 0) {
		if (n != 6 || !integer(args[1], 0, &size) || !integer(args[2], 1, &count) || (strcmp(args[3], "contexts") != 0 && strcmp(args[3], "aio") != 0) ||
		    !integer(args[4], 0, &warmup) || !integer(args[5], 1, &measure)) {
			printf("usage: ctx_req <connect-to> <msg-size> <inflight> contexts|aio <warmup-ms> <measure-ms> [--json]\n");
			return 1;
		}
		url = args[0];
		msg_size = (size_t) size;
		inflight = (int) count;
		return ctx_req(strcmp(args[3], "aio") == 0, warmup, measure);
	}
	fprintf(stderr, "%s: run as ctx_rep or ctx_req (a link named so)\n", tool);
	return 1;
}
