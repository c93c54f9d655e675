/*
 * nng_pair1_poly: an NNG (libnng 1.5.2) polyamorous PAIR v1 echo peer for nanosp's PAIR v1
 * interop tests (build: gcc nng_pair1_poly.c -o nng_pair1_poly -lnng -lpthread; never link
 * libnanomsg too).
 *
 *   nng_pair1_poly listen|dial <url> <count>
 *
 * Opens a polyamorous PAIR v1 socket (nng_pair1_open_poly) and listens on <url>, or dials it
 * (in the background, retrying until a listener is there: NNG_FLAG_NONBLOCK). Prints "ready"
 * on stdout once listening or once the dial was started. Then, for each message received,
 * replies on the pipe it came in on (nng_msg_get_pipe / nng_msg_set_pipe) with "echo:" + the
 * body and prints "served <pipe-id> <body>". Stops after <count> messages (0: until killed),
 * waiting a moment so the last reply leaves before the socket closes, and exits 0. A failed
 * receive or send is reported on stderr and exits 1; usage errors exit with 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>
#include <nng/supplemental/util/platform.h>

static const char prefix[] = "echo:";

static void usage(void) {
  fprintf(stderr, "usage: nng_pair1_poly listen|dial <url> <count>\n");
  exit(2);
}

static void fatal(const char *what, int rv) {
  fprintf(stderr, "nng_pair1_poly: %s: %s\n", what, nng_strerror(rv));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc != 4) usage();
  int listen = strcmp(argv[1], "listen") == 0;
  if (!listen && strcmp(argv[1], "dial") != 0) usage();
  const char *url = argv[2];
  char *end;
  long count = strtol(argv[3], &end, 10);
  if (*end != '\0' || count < 0) usage();

  nng_socket sock;
  int rv = nng_pair1_open_poly(&sock);
  if (rv != 0) fatal("nng_pair1_open_poly", rv);
  if (listen) {
    if ((rv = nng_listen(sock, url, NULL, 0)) != 0) fatal(url, rv);
  } else {
    if ((rv = nng_dial(sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) fatal(url, rv);
  }
  printf("ready\n");
  fflush(stdout);

  for (long served = 0; count == 0 || served < count; served++) {
    nng_msg *msg;
    if ((rv = nng_recvmsg(sock, &msg, 0)) != 0) fatal("nng_recvmsg", rv);
    nng_pipe pipe = nng_msg_get_pipe(msg);
    size_t len = nng_msg_len(msg);
    char *body = malloc(len + 1);
    if (body == NULL) fatal("malloc", NNG_ENOMEM);
    memcpy(body, nng_msg_body(msg), len);
    body[len] = '\0';

    /* the reply reuses the message: "echo:" before the body, to the pipe it came from */
    if ((rv = nng_msg_insert(msg, prefix, sizeof prefix - 1)) != 0) fatal("nng_msg_insert", rv);
    nng_msg_set_pipe(msg, pipe);
    if ((rv = nng_sendmsg(sock, msg, 0)) != 0) {
      nng_msg_free(msg);
      fatal("nng_sendmsg", rv);
    }
    printf("served %d %s\n", nng_pipe_id(pipe), body);
    fflush(stdout);
    free(body);
  }
  nng_msleep(200); /* let the last reply leave before the socket goes */
  nng_close(sock);
  return 0;
}
