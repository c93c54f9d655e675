/*
 * nn_pub_topics: a libnanomsg PUB that alternates topics, for nanosp's SUB filtering tests
 * (build: gcc nn_pub_topics.c -o nn_pub_topics -lnanomsg; never link libnng too, it exports
 * nn_* symbols of its own). nanocat can publish only one fixed --data, so it cannot show a
 * subscriber that takes one topic out of a stream that mixes them.
 *
 *   nn_pub_topics <url> <interval-ms>
 *
 * Binds a PUB socket on <url> (ws://, tcp://, ipc://), prints "ready" on stdout, then
 * publishes "a:<n>" and "b:<n>" alternately for n = 0, 1, 2, …, one message every
 * <interval-ms> milliseconds, until it is killed. A failed bind or send is reported on stderr
 * with exit status 1; usage errors exit with status 2.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>

static void usage(void) {
  fprintf(stderr, "usage: nn_pub_topics <url> <interval-ms>\n");
  exit(2);
}

static void fail(const char *what, const char *detail) {
  fprintf(stderr, "nn_pub_topics: %s %s: %s\n", what, detail, nn_strerror(nn_errno()));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc != 3) usage();
  const char *url = argv[1];
  char *end;
  long interval = strtol(argv[2], &end, 10);
  if (*end != '\0' || interval < 1) usage();

  int s = nn_socket(AF_SP, NN_PUB);
  if (s < 0) fail("nn_socket", "NN_PUB");
  if (nn_bind(s, url) < 0) fail("nn_bind", url);
  printf("ready\n");
  fflush(stdout);

  struct timespec pause = {interval / 1000, (interval % 1000) * 1000000L};
  for (unsigned long n = 0;; n++) {
    for (int topic = 0; topic < 2; topic++) {
      char message[32];
      int length = snprintf(message, sizeof message, "%c:%lu", topic == 0 ? 'a' : 'b', n);
      if (nn_send(s, message, (size_t)length, 0) != length) fail("nn_send", message);
      nanosleep(&pause, NULL);
    }
  }
}
