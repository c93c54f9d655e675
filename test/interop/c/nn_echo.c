/*
 * nn_echo: a PAIR that sends back every message it receives, for nanosp's large-message
 * interop tests. Written against the nanomsg API only, so that it builds on libnanomsg
 * (gcc nn_echo.c -lnanomsg) and on libnng's nanomsg compatibility layer
 * (gcc -I/usr/include/nng/compat nn_echo.c -lnng); never link both, libnng exports nn_* too.
 *
 *   nn_echo <bind|connect> <url>
 *
 * Takes messages of any size (NN_RCVMAXSIZE -1), prints "ready" once its endpoint is set up,
 * echoes each message as it is (the same chunk, NN_MSG) and exits with status 0 when it
 * receives an empty message. Failures go to stderr with status 1, usage errors exit with status 2.
 */
#include <stdio.h>
#include <string.h>

#include <nanomsg/nn.h>
#include <nanomsg/pair.h>

static int fail(const char *what) {
  fprintf(stderr, "nn_echo: %s: %s\n", what, nn_strerror(nn_errno()));
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "bind") != 0 && strcmp(argv[1], "connect") != 0)) {
    fprintf(stderr, "usage: nn_echo <bind|connect> <url>\n");
    return 2;
  }
  int s = nn_socket(AF_SP, NN_PAIR);
  if (s < 0) return fail("nn_socket");
  int unlimited = -1;
  if (nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &unlimited, sizeof unlimited) < 0) return fail("NN_RCVMAXSIZE");
  int ep = strcmp(argv[1], "bind") == 0 ? nn_bind(s, argv[2]) : nn_connect(s, argv[2]);
  if (ep < 0) return fail(argv[1]);
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    void *msg = NULL;
    int n = nn_recv(s, &msg, NN_MSG, 0);
    if (n < 0) return fail("nn_recv");
    if (n == 0) {
      nn_freemsg(msg);
      break;
    }
    if (nn_send(s, &msg, NN_MSG, 0) < 0) return fail("nn_send");
  }
  nn_close(s);
  return 0;
}
