/*
 * nng_req_ctx: an NNG (libnng 1.5.2) REQ client that runs many requests at once, one per
 * context, for nanosp's context interop tests (build: gcc nng_req_ctx.c -o nng_req_ctx -lnng
 * -lpthread; never link libnanomsg too).
 *
 *   nng_req_ctx <url> <contexts> <rounds> [prefix]
 *
 * Dials <url> (synchronously: the server must be listening), opens <contexts> contexts on one
 * REQ socket and gives each its own thread. The threads start together (a barrier); each
 * sends "req <context#> <round#>" <rounds> times, one after the other, and checks that the
 * reply is exactly <prefix> followed by its request (prefix "echo:" unless given). Each
 * context waits at most 10 s for a reply; resending is left at NNG's default (60 s), so a
 * slow answer is never asked for twice.
 *
 * Prints a mismatch or failure on stderr as it happens, then one line on stdout:
 *   done ok=<n> bad=<n> elapsed_ms=<ms>
 * where elapsed_ms runs from the barrier to the last reply. Exits 0 only if every reply was
 * right, 1 otherwise, 2 on usage errors.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>

#define RECV_TIMEOUT_MS 10000

static const char *prefix = "echo:";
static int rounds;
static pthread_barrier_t start;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int ok_count;
static int bad_count;

struct worker {
  int index;
  nng_ctx ctx;
  pthread_t thread;
};

static void usage(void) {
  fprintf(stderr, "usage: nng_req_ctx <url> <contexts> <rounds> [prefix]\n");
  exit(2);
}

static void fatal(const char *what, int rv) {
  fprintf(stderr, "nng_req_ctx: %s: %s\n", what, nng_strerror(rv));
  exit(1);
}

static void tally(int good) {
  pthread_mutex_lock(&lock);
  if (good) ok_count++;
  else bad_count++;
  pthread_mutex_unlock(&lock);
}

/* One request and its reply on the worker's context; 1 if the reply is the expected one. */
static int exchange(struct worker *w, nng_aio *aio, int round) {
  char request[64];
  char expected[256];
  int n = snprintf(request, sizeof request, "req %d %d", w->index, round);
  snprintf(expected, sizeof expected, "%s%s", prefix, request);

  nng_msg *msg;
  int rv = nng_msg_alloc(&msg, 0);
  if (rv != 0) fatal("nng_msg_alloc", rv);
  if ((rv = nng_msg_append(msg, request, (size_t) n)) != 0) fatal("nng_msg_append", rv);
  nng_aio_set_msg(aio, msg);
  nng_ctx_send(w->ctx, aio);
  nng_aio_wait(aio);
  if ((rv = nng_aio_result(aio)) != 0) {
    nng_msg_free(nng_aio_get_msg(aio));
    fprintf(stderr, "context %d: send \"%s\" failed: %s\n", w->index, request, nng_strerror(rv));
    return 0;
  }

  nng_ctx_recv(w->ctx, aio);
  nng_aio_wait(aio);
  if ((rv = nng_aio_result(aio)) != 0) {
    fprintf(stderr, "context %d: no reply to \"%s\": %s\n", w->index, request, nng_strerror(rv));
    return 0;
  }
  msg = nng_aio_get_msg(aio);
  size_t len = nng_msg_len(msg);
  int good = len == strlen(expected) && memcmp(nng_msg_body(msg), expected, len) == 0;
  if (!good) {
    fprintf(stderr, "context %d: reply to \"%s\" was \"%.*s\", expected \"%s\"\n", w->index, request, (int) len,
            (const char *) nng_msg_body(msg), expected);
  }
  nng_msg_free(msg);
  return good;
}

static void *run(void *arg) {
  struct worker *w = arg;
  nng_aio *aio;
  int rv = nng_aio_alloc(&aio, NULL, NULL);
  if (rv != 0) fatal("nng_aio_alloc", rv);
  nng_aio_set_timeout(aio, RECV_TIMEOUT_MS);
  pthread_barrier_wait(&start);
  for (int round = 0; round < rounds; round++) tally(exchange(w, aio, round));
  nng_aio_free(aio);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 4 || argc > 5) usage();
  const char *url = argv[1];
  int contexts = atoi(argv[2]);
  rounds = atoi(argv[3]);
  if (argc == 5) prefix = argv[4];
  if (contexts < 1 || rounds < 1) usage();

  nng_socket sock;
  int rv = nng_req0_open(&sock);
  if (rv != 0) fatal("nng_req0_open", rv);
  if ((rv = nng_dial(sock, url, NULL, 0)) != 0) fatal(url, rv);

  struct worker *workers = calloc((size_t) contexts, sizeof *workers);
  if (workers == NULL) fatal("calloc", NNG_ENOMEM);
  pthread_barrier_init(&start, NULL, (unsigned) contexts + 1);
  for (int i = 0; i < contexts; i++) {
    workers[i].index = i;
    if ((rv = nng_ctx_open(&workers[i].ctx, sock)) != 0) fatal("nng_ctx_open", rv);
    if (pthread_create(&workers[i].thread, NULL, run, &workers[i]) != 0) fatal("pthread_create", NNG_ENOMEM);
  }
  pthread_barrier_wait(&start);
  nng_time began = nng_clock();
  for (int i = 0; i < contexts; i++) pthread_join(workers[i].thread, NULL);
  nng_time elapsed = nng_clock() - began;

  printf("done ok=%d bad=%d elapsed_ms=%llu\n", ok_count, bad_count, (unsigned long long) elapsed);
  fflush(stdout);
  for (int i = 0; i < contexts; i++) nng_ctx_close(workers[i].ctx);
  nng_close(sock);
  free(workers);
  return bad_count == 0 && ok_count == contexts * rounds ? 0 : 1;
}
