/*
 * A storm client on libnanomsg, the baseline for bench/storm/clients.ts: argv[2] SUB sockets
 * (libnanomsg allows at most 512 per process) that connect to argv[1] at once
 * (NN_RECONNECT_IVL argv[3] ms), read everything that arrives, and print the same line the TS
 * clients print every 250 ms until stdin closes:
 *   receiving <n> established <n> connectErrors <n> broken <n>
 *   storm_sub tcp://127.0.0.1:PORT 500 50
 */
#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned long long sum_stat(const int *socks, int n, int stat) {
  unsigned long long sum = 0;
  for (int i = 0; i < n; i++) sum += nn_get_statistic(socks[i], stat);
  return sum;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: storm_sub <url> <sockets> [reconnect-ms]\n");
    return 2;
  }
  const char *url = argv[1];
  int n = atoi(argv[2]);
  int ivl = argc > 3 ? atoi(argv[3]) : 100;
  int *socks = calloc(n, sizeof *socks);
  char *got = calloc(n, 1);
  /* poll entries: the sockets' NN_RCVFD descriptors, then stdin (EOF ends the run) */
  struct pollfd *fds = calloc(n + 1, sizeof *fds);
  for (int i = 0; i < n; i++) {
    socks[i] = nn_socket(AF_SP, NN_SUB);
    if (socks[i] < 0) {
      fprintf(stderr, "storm_sub: socket %d: %s\n", i, nn_strerror(nn_errno()));
      return 1;
    }
    nn_setsockopt(socks[i], NN_SUB, NN_SUB_SUBSCRIBE, "", 0);
    nn_setsockopt(socks[i], NN_SOL_SOCKET, NN_RECONNECT_IVL, &ivl, sizeof ivl);
    int fd;
    size_t size = sizeof fd;
    nn_getsockopt(socks[i], NN_SOL_SOCKET, NN_RCVFD, &fd, &size);
    fds[i].fd = fd;
    fds[i].events = POLLIN;
  }
  for (int i = 0; i < n; i++) nn_connect(socks[i], url);
  fds[n].fd = 0;
  fds[n].events = POLLIN;
  int receiving = 0;
  long long next_report = now_ms();
  for (;;) {
    int wait = (int)(next_report - now_ms());
    if (poll(fds, n + 1, wait > 0 ? wait : 0) < 0) break;
    for (int i = 0; i < n; i++) {
      if (!(fds[i].revents & POLLIN)) continue;
      char *msg;
      while (nn_recv(socks[i], &msg, NN_MSG, NN_DONTWAIT) >= 0) {
        nn_freemsg(msg);
        if (!got[i]) {
          got[i] = 1;
          receiving++;
        }
      }
    }
    if (fds[n].revents) {
      char buf[256];
      if (read(0, buf, sizeof buf) <= 0) break;
    }
    if (now_ms() >= next_report) {
      printf("receiving %d established %llu connectErrors %llu broken %llu\n", receiving, sum_stat(socks, n, NN_STAT_ESTABLISHED_CONNECTIONS),
             sum_stat(socks, n, NN_STAT_CONNECT_ERRORS), sum_stat(socks, n, NN_STAT_BROKEN_CONNECTIONS));
      fflush(stdout);
      next_report += 250;
    }
  }
  /* exit without nn_close: closing hundreds of sockets one by one only slows the run's end */
  return 0;
}
