/*
 * nng_rep_ctx: an NNG (libnng 1.5.2) REP server that answers many requests at once, one per
 * context, for nanosp's context interop tests (build: gcc nng_rep_ctx.c -o nng_rep_ctx -lnng
 * -lpthread; never link libnanomsg too).
 *
 *   nng_rep_ctx <url> <contexts> [delay-ms] [prefix]
 *
 * Listens on <url>, prints "ready" on stdout once listening, then serves with <contexts>
 * contexts on one REP socket, each in its own thread: receive a request, sleep <delay-ms>
 * (0 unless given), reply with <prefix> followed by the request ("echo:" unless given), and
 * print "served <context#> <request>" on stdout. A request that starts with "sleep=<ms> "
 * sleeps <ms> instead of <delay-ms>, so a test can make one answer late. Runs until killed;
 * a failed receive or send is reported on stderr and exits 1. Usage errors exit with 2.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/util/platform.h>

static const char *prefix = "echo:";
static int delay_ms;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

struct worker {
  int index;
  nng_ctx ctx;
  pthread_t thread;
};

static void usage(void) {
  fprintf(stderr, "usage: nng_rep_ctx <url> <contexts> [delay-ms] [prefix]\n");
  exit(2);
}

static void fatal(const char *what, int rv) {
  fprintf(stderr, "nng_rep_ctx: %s: %s\n", what, nng_strerror(rv));
  exit(1);
}

/* The delay for a request: its "sleep=<ms> " prefix, or the default. */
static int delay_for(const char *body, size_t len) {
  static const char tag[] = "sleep=";
  if (len > sizeof tag - 1 && memcmp(body, tag, sizeof tag - 1) == 0) {
    char digits[16];
    size_t n = 0;
    for (size_t i = sizeof tag - 1; i < len && n < sizeof digits - 1 && body[i] >= '0' && body[i] <= '9'; i++)
      digits[n++] = body[i];
    digits[n] = '\0';
    if (n > 0) return atoi(digits);
  }
  return delay_ms;
}

static void *serve(void *arg) {
  struct worker *w = arg;
  nng_aio *aio;
  int rv = nng_aio_alloc(&aio, NULL, NULL);
  if (rv != 0) fatal("nng_aio_alloc", rv);
  size_t plen = strlen(prefix);
  for (;;) {
    nng_ctx_recv(w->ctx, aio);
    nng_aio_wait(aio);
    if ((rv = nng_aio_result(aio)) != 0) fatal("receive", rv);
    nng_msg *msg = nng_aio_get_msg(aio);
    size_t len = nng_msg_len(msg);
    char *request = malloc(len + 1);
    if (request == NULL) fatal("malloc", NNG_ENOMEM);
    memcpy(request, nng_msg_body(msg), len);
    request[len] = '\0';

    int wait = delay_for(request, len);
    if (wait > 0) nng_msleep(wait);

    /* the reply reuses the message, whose header is the request's backtrace */
    nng_msg_clear(msg);
    if ((rv = nng_msg_append(msg, prefix, plen)) != 0) fatal("nng_msg_append", rv);
    if ((rv = nng_msg_append(msg, request, len)) != 0) fatal("nng_msg_append", rv);
    nng_aio_set_msg(aio, msg);
    nng_ctx_send(w->ctx, aio);
    nng_aio_wait(aio);
    if ((rv = nng_aio_result(aio)) != 0) {
      nng_msg_free(nng_aio_get_msg(aio));
      fatal("send", rv);
    }
    pthread_mutex_lock(&out_lock);
    printf("served %d %s\n", w->index, request);
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
    free(request);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 5) usage();
  const char *url = argv[1];
  int contexts = atoi(argv[2]);
  if (argc >= 4) delay_ms = atoi(argv[3]);
  if (argc == 5) prefix = argv[4];
  if (contexts < 1 || delay_ms < 0) usage();

  nng_socket sock;
  int rv = nng_rep0_open(&sock);
  if (rv != 0) fatal("nng_rep0_open", rv);
  if ((rv = nng_listen(sock, url, NULL, 0)) != 0) fatal(url, rv);

  struct worker *workers = calloc((size_t) contexts, sizeof *workers);
  if (workers == NULL) fatal("calloc", NNG_ENOMEM);
  for (int i = 0; i < contexts; i++) {
    workers[i].index = i;
    if ((rv = nng_ctx_open(&workers[i].ctx, sock)) != 0) fatal("nng_ctx_open", rv);
  }
  for (int i = 0; i < contexts; i++) {
    if (pthread_create(&workers[i].thread, NULL, serve, &workers[i]) != 0) fatal("pthread_create", NNG_ENOMEM);
  }
  pthread_mutex_lock(&out_lock);
  printf("ready\n");
  fflush(stdout);
  pthread_mutex_unlock(&out_lock);
  for (int i = 0; i < contexts; i++) pthread_join(workers[i].thread, NULL);
  return 0;
}
