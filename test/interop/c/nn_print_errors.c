/*
 * nn_print_errors: one libnanomsg PUSH socket that connects and reports how its connection
 * attempts go, for comparing NN_PRINT_ERRORS output with nanosp's (build: gcc
 * nn_print_errors.c -o nn_print_errors -lnanomsg; never link libnng too, it exports nn_*
 * symbols of its own). Run it with NN_PRINT_ERRORS=1 in its environment.
 *
 *   nn_print_errors <socket-name|-> <url> <reconnect-ivl-ms>
 *
 * "-" keeps the default name (the socket's number). Once connecting, the program prints
 * "ready" on stdout, then one status line whenever one of the statistics below changes:
 *
 *   connect_errors=N ep_errors=N established=N
 *
 * (NN_STAT_CONNECT_ERRORS, NN_STAT_CURRENT_EP_ERRORS, NN_STAT_ESTABLISHED_CONNECTIONS).
 * It closes the socket and exits with status 0 when its stdin reaches end of file. Failures
 * of the nanomsg calls are reported on stderr with exit status 1; usage errors exit with 2.
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/pipeline.h>

static void fail(const char *what) {
  fprintf(stderr, "nn_print_errors: %s: %s\n", what, nn_strerror(nn_errno()));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: nn_print_errors <socket-name|-> <url> <reconnect-ivl-ms>\n");
    return 2;
  }
  int s = nn_socket(AF_SP, NN_PUSH);
  if (s < 0) fail("nn_socket");
  if (strcmp(argv[1], "-") != 0 && nn_setsockopt(s, NN_SOL_SOCKET, NN_SOCKET_NAME, argv[1], strlen(argv[1])) < 0) {
    fail("NN_SOCKET_NAME");
  }
  int ivl = atoi(argv[3]);
  if (nn_setsockopt(s, NN_SOL_SOCKET, NN_RECONNECT_IVL, &ivl, sizeof ivl) < 0) fail("NN_RECONNECT_IVL");
  if (nn_connect(s, argv[2]) < 0) fail("nn_connect");
  printf("ready\n");
  fflush(stdout);

  uint64_t last[3] = {UINT64_MAX, UINT64_MAX, UINT64_MAX};
  const int stats[3] = {NN_STAT_CONNECT_ERRORS, NN_STAT_CURRENT_EP_ERRORS, NN_STAT_ESTABLISHED_CONNECTIONS};
  for (;;) {
    uint64_t now[3];
    for (int i = 0; i < 3; i++) now[i] = nn_get_statistic(s, stats[i]);
    if (memcmp(now, last, sizeof now) != 0) {
      printf("connect_errors=%llu ep_errors=%llu established=%llu\n", (unsigned long long)now[0], (unsigned long long)now[1],
             (unsigned long long)now[2]);
      fflush(stdout);
      memcpy(last, now, sizeof now);
    }
    /* the statistics have no change notification: look again in 2 ms, or stop at end of stdin */
    struct pollfd in = {.fd = 0, .events = POLLIN};
    if (poll(&in, 1, 2) > 0) {
      char buf[64];
      if (read(0, buf, sizeof buf) <= 0) break;
    }
  }
  if (nn_close(s) < 0) fail("nn_close");
  return 0;
}
