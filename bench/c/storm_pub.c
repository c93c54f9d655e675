/*
 * The storm's listener on libnanomsg, the baseline for bench/storm/listener.ts: one PUB bound
 * at argv[1] that sends "tick" every argv[2] ms (nn_send NN_DONTWAIT, as trySend), and prints
 * the same lines the TS listener prints, so bench/storm/run.ts reads either:
 *   bound <url>
 *   pipes <n> rss <KiB>          every 500 ms; n = NN_STAT_CURRENT_CONNECTIONS
 * until its stdin closes.
 *   storm_pub tcp://127.0.0.1:PORT 50
 * libnanomsg cannot bind port 0 and tell the port, so the runner picks a free one.
 */
#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Resident set size in KiB, from /proc/self/statm (pages). */
static long rss_kib(void) {
  long size = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL) return 0;
  if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
  fclose(f);
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: storm_pub <url> <tick-ms>\n");
    return 2;
  }
  const char *url = argv[1];
  int tick = atoi(argv[2]);
  int s = nn_socket(AF_SP, NN_PUB);
  if (s < 0 || nn_bind(s, url) < 0) {
    fprintf(stderr, "storm_pub: %s: %s\n", url, nn_strerror(nn_errno()));
    return 1;
  }
  printf("bound %s\n", url);
  fflush(stdout);
  long long next_tick = now_ms() + tick;
  long long next_report = now_ms() + 500;
  for (;;) {
    long long t = now_ms();
    if (t >= next_tick) {
      nn_send(s, "tick", 4, NN_DONTWAIT);
      next_tick += tick;
      /* behind by more than a tick (a busy machine): skip, as setInterval would */
      if (next_tick < t) next_tick = t + tick;
    }
    if (t >= next_report) {
      printf("pipes %llu rss %ld\n", (unsigned long long)nn_get_statistic(s, NN_STAT_CURRENT_CONNECTIONS), rss_kib());
      fflush(stdout);
      next_report += 500;
    }
    long long wake = next_tick < next_report ? next_tick : next_report;
    int wait = (int)(wake - now_ms());
    struct pollfd in = {.fd = 0, .events = POLLIN};
    /* stdin readable (EOF) ends the run */
    if (poll(&in, 1, wait > 0 ? wait : 0) > 0) {
      char buf[256];
      if (read(0, buf, sizeof buf) <= 0) break;
    }
  }
  nn_close(s);
  return 0;
}
