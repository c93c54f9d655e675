/*
 * The four transport perf tools (and the two inproc ones) of nanomsg, written for nanosp's
 * benchmark against the public nn_* API only: PAIR v0 sockets, nanomsg's command lines, usage
 * lines, start-message protocol, formulas and output lines (spec/wire.md section 9), plus a
 * `--json` flag that prints one JSON object with getrusage figures.
 *
 * `--pair1` (anywhere on the command line; `--pair0` is the default, the last one wins) makes
 * the NNG build measure PAIR v1, as NNG's own perf tools do by default. NNG's compat nn_socket
 * knows PAIR v0 only (NN_PAIR_V1 is defined but nn_socket refuses it with ENOTSUP), so the
 * socket is opened with nng_pair1_open and its nng_socket_id used as the nn_* socket, which
 * NNG documents as a transition aid (nng_compat(3compat)); everything else stays nn_*. Nagle
 * is turned back on as nn_socket does for its sockets. libnanomsg has no PAIR v1: its build
 * refuses --pair1 with exit status 2.
 *
 * One source, two builds (never link both libraries into one binary: libnng exports nn_* too):
 *   gcc -O2 perf.c -o perf -lnanomsg -lpthread                          (libnanomsg 1.1.5)
 *   gcc -O2 -I/usr/include/nng/compat perf.c -o perf -lnng -lpthread   (NNG's compat API)
 * The tool is chosen by the basename of argv[0] (link or copy the binary as local_thr,
 * remote_thr, local_lat, remote_lat, inproc_thr, inproc_lat) or at build time with
 * -DPERF_TOOL=\"local_thr\".
 *
 * As in nanomsg 1.1.5, remote_thr and local_lat sleep 1 s before closing: nn_close does not
 * linger, so without the pause the last messages could be lost.
 */
#include <nanomsg/nn.h>
#include <nanomsg/pair.h>
#include <nanomsg/tcp.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#ifdef NNG_COMPAT_NN_H
#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>
#define IMPL "nng"
#else
#define IMPL "libnanomsg"
#endif

static const char *tool;
static int json;
static int pair1; /* --pair1: PAIR v1 (NNG only) */
static const char *url;
static int size;
static int count;
static struct rusage work_from, work_to;

static void die(const char *what)
{
    int err = nn_errno();
    fprintf(stderr, "%s: %s: %s [%d]\n", tool, what, nn_strerror(err), err);
    exit(2);
}

static void die_size(const char *what, int index, int got)
{
    fprintf(stderr, "%s: %s %d has %d bytes, not %d\n", tool, what, index, got, size);
    exit(2);
}

/* Microseconds on a monotonic clock, like nanomsg's stopwatch. */
static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static void set_int(int s, int level, int option, int value, const char *name)
{
    if (nn_setsockopt(s, level, option, &value, sizeof(value)) != 0)
        die(name);
}

static long tv_us(struct timeval tv)
{
    return (long) tv.tv_sec * 1000000L + (long) tv.tv_usec;
}

static void mark(struct rusage *ru)
{
    getrusage(RUSAGE_SELF, ru);
}

static void print_json_string(const char *text)
{
    const unsigned char *p;
    putchar('"');
    for (p = (const unsigned char *) text; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

/*
 * Peak RSS in KiB. On Linux, VmHWM from /proc/self/status: getrusage's ru_maxrss survives
 * exec, so a tool started by a large parent (a Node runner) would report the parent's size.
 */
static long peak_rss_kib(const struct rusage *ru)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        while (fgets(line, sizeof(line), f))
            if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
                break;
        fclose(f);
    }
    return kib >= 0 ? kib : ru->ru_maxrss;
}

static void print_json(int64_t elapsed, double thr, double mbs, double lat)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    /* "api" is nanosp's --api (fast path or awaited calls); C has one way to send: null */
    printf("{\"tool\":\"%s\",\"impl\":\"%s\",\"proto\":\"%s\",\"api\":null,", tool, IMPL, pair1 ? "pair1" : "pair0");
    if (url) {
        printf("\"url\":");
        print_json_string(url);
        putchar(',');
    } else
        printf("\"url\":null,");
    printf("\"size\":%d,\"count\":%d,", size, count);
    if (elapsed >= 0)
        printf("\"elapsedUs\":%lld,", (long long) elapsed);
    else
        printf("\"elapsedUs\":null,");
    if (thr >= 0)
        printf("\"msgPerSec\":%.0f,\"mbPerSec\":%.3f,", thr, mbs);
    else
        printf("\"msgPerSec\":null,\"mbPerSec\":null,");
    if (lat >= 0)
        printf("\"latencyUs\":%.3f,", lat);
    else
        printf("\"latencyUs\":null,");
    printf("\"maxRssKiB\":%ld,\"cpuUserUs\":%ld,\"cpuSysUs\":%ld,", peak_rss_kib(&ru), tv_us(ru.ru_utime), tv_us(ru.ru_stime));
    printf("\"workCpuUserUs\":%ld,\"workCpuSysUs\":%ld}\n", tv_us(work_to.ru_utime) - tv_us(work_from.ru_utime),
        tv_us(work_to.ru_stime) - tv_us(work_from.ru_stime));
}

/* local_thr's and inproc_thr's figures and lines. */
static void report_thr(uint64_t total, const char *prefix)
{
    uint64_t elapsed = total;
    uint64_t thr;
    double mbs;
    if (total == 0)
        total = 1;
    thr = (uint64_t) ((double) count / (double) total * 1000000);
    mbs = (double) (thr * (uint64_t) size * 8) / 1000000;
    if (json) {
        print_json((int64_t) elapsed, (double) thr, mbs, -1);
        return;
    }
    printf("message size: %d [B]\n", size);
    printf("message count: %d\n", count);
    printf("%sthroughput: %d [msg/s]\n", prefix, (int) thr);
    printf("%sthroughput: %.3f [Mb/s]\n", prefix, mbs);
}

/* remote_lat's and inproc_lat's figures and lines. */
static void report_lat(uint64_t total)
{
    double lat = (double) total / ((double) count * 2);
    if (json) {
        print_json((int64_t) total, -1, 0, lat);
        return;
    }
    printf("message size: %d [B]\n", size);
    printf("roundtrip count: %d\n", count);
    printf("average latency: %.3f [us]\n", lat);
}

static int pair_socket(void)
{
    int s;
    if (pair1) {
#ifdef NNG_COMPAT_NN_H
        nng_socket sock;
        int rv = nng_pair1_open(&sock);
        if (rv != 0) {
            fprintf(stderr, "%s: nng_pair1_open: %s [%d]\n", tool, nng_strerror(rv), rv);
            exit(2);
        }
        /* what NNG's nn_socket does to the sockets it opens: Nagle on, as in nanomsg */
        (void) nng_socket_set_bool(sock, NNG_OPT_TCP_NODELAY, false);
        return nng_socket_id(sock);
#endif
    }
    s = nn_socket(AF_SP, NN_PAIR);
    if (s < 0)
        die("nn_socket");
    return s;
}

static void recv_exact(int s, char *buf, int want, const char *what, int index)
{
    int n = nn_recv(s, buf, (size_t) size, 0);
    if (n < 0)
        die("nn_recv");
    if (n != want)
        die_size(what, index, n);
}

static void send_all(int s, const char *buf, int len)
{
    int n = nn_send(s, buf, (size_t) len, 0);
    if (n < 0)
        die("nn_send");
    if (n != len)
        die_size("sent message", 0, n);
}

static char *buffer(void)
{
    char *buf = malloc(size > 0 ? (size_t) size : 1);
    if (!buf) {
        fprintf(stderr, "%s: out of memory\n", tool);
        exit(2);
    }
    memset(buf, 111, size > 0 ? (size_t) size : 1);
    return buf;
}

static int local_thr(void)
{
    int s = pair_socket();
    char *buf = buffer();
    uint64_t t0;
    int i;
    if (nn_bind(s, url) < 0)
        die("nn_bind");
    set_int(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, -1, "NN_RCVMAXSIZE");
    set_int(s, NN_SOL_SOCKET, NN_LINGER, 1000, "NN_LINGER");
    mark(&work_from);
    recv_exact(s, buf, 0, "start message", 0);
    t0 = now_us();
    for (i = 0; i != count; i++)
        recv_exact(s, buf, size, "message", i);
    uint64_t total = now_us() - t0;
    mark(&work_to);
    report_thr(total, "");
    free(buf);
    nn_close(s);
    return 0;
}

static int remote_thr(void)
{
    int s = pair_socket();
    char *buf = buffer();
    int i;
    if (nn_connect(s, url) < 0)
        die("nn_connect");
    set_int(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, -1, "NN_RCVMAXSIZE");
    set_int(s, NN_SOL_SOCKET, NN_LINGER, 1000, "NN_LINGER");
    mark(&work_from);
    send_all(s, buf, 0);
    for (i = 0; i != count; i++)
        send_all(s, buf, size);
    mark(&work_to);
    sleep_ms(1000);
    nn_close(s);
    free(buf);
    if (json)
        print_json(-1, -1, 0, -1);
    return 0;
}

static int local_lat(void)
{
    int s = pair_socket();
    char *buf = buffer();
    int i;
    set_int(s, NN_TCP, NN_TCP_NODELAY, 1, "NN_TCP_NODELAY");
    set_int(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, -1, "NN_RCVMAXSIZE");
    set_int(s, NN_SOL_SOCKET, NN_LINGER, 1000, "NN_LINGER");
    if (nn_bind(s, url) < 0)
        die("nn_bind");
    mark(&work_from);
    for (i = 0; i != count; i++) {
        recv_exact(s, buf, size, "message", i);
        send_all(s, buf, size);
    }
    mark(&work_to);
    sleep_ms(1000);
    nn_close(s);
    free(buf);
    if (json)
        print_json(-1, -1, 0, -1);
    return 0;
}

static int remote_lat(void)
{
    int s = pair_socket();
    char *buf = buffer();
    uint64_t t0;
    int i;
    set_int(s, NN_TCP, NN_TCP_NODELAY, 1, "NN_TCP_NODELAY");
    set_int(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, -1, "NN_RCVMAXSIZE");
    if (nn_connect(s, url) < 0)
        die("nn_connect");
    mark(&work_from);
    t0 = now_us();
    for (i = 0; i != count; i++) {
        send_all(s, buf, size);
        recv_exact(s, buf, size, "reply", i);
    }
    uint64_t total = now_us() - t0;
    mark(&work_to);
    report_lat(total);
    free(buf);
    nn_close(s);
    return 0;
}

/*
 * The inproc workers leave their socket open: closing it right after the last send can drop
 * that message before the main thread has it. The main thread closes it after the join.
 */
static int worker_socket = -1;

static void *inproc_thr_worker(void *arg)
{
    int s = worker_socket;
    char *buf = buffer();
    int i;
    (void) arg;
    if (nn_connect(s, "inproc://inproc_thr") < 0)
        die("nn_connect");
    send_all(s, buf, 0);
    for (i = 0; i != count; i++)
        send_all(s, buf, size);
    free(buf);
    return NULL;
}

static int inproc_thr(void)
{
    pthread_t worker;
    int s = pair_socket();
    char *buf = buffer();
    uint64_t t0, total;
    int i;
    if (nn_bind(s, "inproc://inproc_thr") < 0)
        die("nn_bind");
    worker_socket = pair_socket();
    mark(&work_from);
    pthread_create(&worker, NULL, inproc_thr_worker, NULL);
    recv_exact(s, buf, 0, "start message", 0);
    t0 = now_us();
    for (i = 0; i != count; i++)
        recv_exact(s, buf, size, "message", i);
    total = now_us() - t0;
    pthread_join(worker, NULL);
    mark(&work_to);
    free(buf);
    nn_close(worker_socket);
    nn_close(s);
    report_thr(total, "mean ");
    return 0;
}

static void *inproc_lat_worker(void *arg)
{
    int s = worker_socket;
    char *buf = buffer();
    int i;
    (void) arg;
    if (nn_connect(s, "inproc://inproc_lat") < 0)
        die("nn_connect");
    for (i = 0; i != count; i++) {
        recv_exact(s, buf, size, "message", i);
        send_all(s, buf, size);
    }
    free(buf);
    return NULL;
}

static int inproc_lat(void)
{
    pthread_t worker;
    int s = pair_socket();
    char *buf = buffer();
    uint64_t t0, total;
    int i;
    if (nn_bind(s, "inproc://inproc_lat") < 0)
        die("nn_bind");
    worker_socket = pair_socket();
    pthread_create(&worker, NULL, inproc_lat_worker, NULL);
    /* nanomsg's inproc_lat waits 100 ms for the worker to block in its receive */
    sleep_ms(100);
    mark(&work_from);
    t0 = now_us();
    for (i = 0; i != count; i++) {
        send_all(s, buf, size);
        recv_exact(s, buf, size, "reply", i);
    }
    total = now_us() - t0;
    mark(&work_to);
    report_lat(total);
    pthread_join(worker, NULL);
    free(buf);
    nn_close(worker_socket);
    nn_close(s);
    return 0;
}

struct tool_entry {
    const char *name;
    const char *usage;
    int argc; /* positional arguments after the name */
    int (*run)(void);
};

static const struct tool_entry tools[] = {
    { "local_thr", "usage: local_thr <bind-to> <msg-size> <msg-count>", 3, local_thr },
    { "remote_thr", "usage: remote_thr <connect-to> <msg-size> <msg-count>", 3, remote_thr },
    { "local_lat", "usage: local_lat <bind-to> <msg-size> <roundtrips>", 3, local_lat },
    { "remote_lat", "usage: remote_lat <connect-to> <msg-size> <roundtrips>", 3, remote_lat },
    { "inproc_thr", "usage: thread_thr <message-size> <message-count>", 2, inproc_thr },
    { "inproc_lat", "usage: inproc_lat <message-size> <roundtrip-count>", 2, inproc_lat },
};

/* A decimal integer from min to INT_MAX, or -1. */
static int number(const char *text, int min)
{
    long long v = 0;
    const char *p = text;
    if (*p == '\0')
        return -1;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
        if (v > 2147483647LL)
            return -1;
    }
    return v < min ? -1 : (int) v;
}

int main(int argc, char *argv[])
{
    const struct tool_entry *entry = NULL;
    const char *pos[4];
    int npos = 0;
    size_t i;
    int a;

#ifdef PERF_TOOL
    tool = PERF_TOOL;
#else
    tool = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
#endif
    for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
        if (strcmp(tools[i].name, tool) == 0)
            entry = &tools[i];
    if (!entry) {
        printf("usage: name this program local_thr, remote_thr, local_lat, remote_lat, inproc_thr or inproc_lat\n");
        return 1;
    }

    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--json") == 0)
            json = 1;
        else if (strcmp(argv[a], "--pair0") == 0)
            pair1 = 0;
        else if (strcmp(argv[a], "--pair1") == 0)
            pair1 = 1;
        else if (npos < 4)
            pos[npos++] = argv[a];
        else
            npos++;
    }
    if (npos != entry->argc) {
        printf("%s\n", entry->usage);
        return 1;
    }
    if (entry->argc == 3) {
        url = pos[0];
        size = number(pos[1], 0);
        count = number(pos[2], 1);
    } else {
        size = number(pos[0], 0);
        count = number(pos[1], 1);
    }
    if (size < 0 || count < 0 || (url && *url == '\0')) {
        printf("%s\n", entry->usage);
        return 1;
    }
#ifndef NNG_COMPAT_NN_H
    if (pair1) {
        fprintf(stderr, "%s: --pair1: libnanomsg has no PAIR v1 (build this tool against NNG)\n", tool);
        return 2;
    }
#endif
    return entry->run();
}
