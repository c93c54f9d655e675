/*
 * nn_estp_publisher: a libnanomsg program that publishes its sockets' statistics as ESTP
 * records to NN_STATISTICS_SOCKET, byte for byte as nanomsg 0.3-0.8 did (spec/diagnostics.md
 * section 4), for feeding nanosp's ESTP consumers (`nanosp stat`, its Prometheus bridge) from
 * C. libnanomsg 1.x publishes nothing itself: 0.9-beta removed NN_STATISTICS_SOCKET,
 * NN_APPLICATION_NAME and NN_HOSTNAME (nanomsg PR #626) and kept nn_get_statistic. So this
 * program reads those variables itself, opens the PUB socket first (number 0, as nanomsg did)
 * and connects it there, and every <interval-ms> sends 15 records per socket made from
 * nn_get_statistic, in nanomsg's order, one PUB message each. (build: gcc nn_estp_publisher.c
 * -o nn_estp_publisher -lnanomsg; never link libnng too, it exports nn_* symbols of its own)
 *
 *   nn_estp_publisher <socket-name|-> <connect-url> <interval-ms>
 *
 * Its sockets, after the statistics socket 0:
 *   1  PUSH named <socket-name> ("-": the default name, "1"), connecting to <connect-url>
 *   2  PAIR with the default name "2", bound to inproc://nn_estp_publisher.<pid>
 *   3  PAIR named "receiver", connected to 2; each report, 2 sends "tick" and 3 receives it
 *
 * Records: ESTP:{host}:{application}:socket.{name}:{metric}: {UTC time}Z {interval} {value},
 * counters with ":c", levels bare, current_ep_errors followed by LF and one extension line
 * per failing endpoint. host is NN_HOSTNAME or gethostname(), application NN_APPLICATION_NAME
 * or nanomsg.{pid}, both cut to 63 bytes; interval is <interval-ms> in whole seconds, at least
 * 1 (nanomsg's timer was 10 s, and it wrote 10). libnanomsg 1.x has no call that tells an
 * endpoint's error, only how many endpoints have one (NN_STAT_CURRENT_EP_ERRORS), so the
 * extension line names the PUSH's endpoint with "Connection refused", what a closed port
 * gives, whenever that count is not 0.
 *
 * Prints "ready" once the sockets are set up, and closes them and exits 0 when its stdin
 * reaches end of file. Failing nanomsg calls: stderr and exit 1; usage errors: exit 2.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/pair.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/pubsub.h>

#define PART_MAX 63
#define RECORD_MAX 4096

static void fail(const char *what) {
  fprintf(stderr, "nn_estp_publisher: %s: %s\n", what, nn_strerror(nn_errno()));
  exit(1);
}

/* nanomsg's report order (spec/diagnostics.md 3.2): 11 counters, 3 levels, current_ep_errors */
static const struct {
  const char *name;
  int id;
  int counter;
} STATS[] = {
    {"established_connections", NN_STAT_ESTABLISHED_CONNECTIONS, 1},
    {"accepted_connections", NN_STAT_ACCEPTED_CONNECTIONS, 1},
    {"dropped_connections", NN_STAT_DROPPED_CONNECTIONS, 1},
    {"broken_connections", NN_STAT_BROKEN_CONNECTIONS, 1},
    {"connect_errors", NN_STAT_CONNECT_ERRORS, 1},
    {"bind_errors", NN_STAT_BIND_ERRORS, 1},
    {"accept_errors", NN_STAT_ACCEPT_ERRORS, 1},
    {"messages_sent", NN_STAT_MESSAGES_SENT, 1},
    {"messages_received", NN_STAT_MESSAGES_RECEIVED, 1},
    {"bytes_sent", NN_STAT_BYTES_SENT, 1},
    {"bytes_received", NN_STAT_BYTES_RECEIVED, 1},
    {"current_connections", NN_STAT_CURRENT_CONNECTIONS, 0},
    {"inprogress_connections", NN_STAT_INPROGRESS_CONNECTIONS, 0},
    {"current_snd_priority", NN_STAT_CURRENT_SND_PRIORITY, 0},
    {"current_ep_errors", NN_STAT_CURRENT_EP_ERRORS, 0},
};

struct reported {
  int s;
  char name[PART_MAX + 1];
  /* the endpoint the ep_errors extension line names, or -1 */
  int eid;
  const char *address;
};

static char host[PART_MAX + 1];
static char application[PART_MAX + 1];

static void copy_part(char *to, const char *from) {
  strncpy(to, from, PART_MAX);
  to[PART_MAX] = '\0';
}

static void read_names(void) {
  const char *h = getenv("NN_HOSTNAME");
  const char *a = getenv("NN_APPLICATION_NAME");
  if (h) copy_part(host, h);
  else if (gethostname(host, sizeof host) < 0) copy_part(host, "localhost");
  host[PART_MAX] = '\0';
  if (a) copy_part(application, a);
  else snprintf(application, sizeof application, "nanomsg.%d", (int)getpid());
}

static void name_of(struct reported *r) {
  size_t size = sizeof r->name - 1;
  if (nn_getsockopt(r->s, NN_SOL_SOCKET, NN_SOCKET_NAME, r->name, &size) < 0) fail("NN_SOCKET_NAME");
  r->name[size < sizeof r->name ? size : sizeof r->name - 1] = '\0';
}

static void publish(int stats, const struct reported *r, int interval) {
  for (size_t i = 0; i < sizeof STATS / sizeof STATS[0]; i++) {
    /* nanomsg took the time for each record */
    char ts[32];
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &utc);
    uint64_t raw = nn_get_statistic(r->s, STATS[i].id);
    char record[RECORD_MAX];
    int n;
    if (STATS[i].counter) {
      n = snprintf(record, sizeof record, "ESTP:%s:%s:socket.%s:%s: %sZ %d %llu:c", host, application, r->name, STATS[i].name, ts, interval,
                   (unsigned long long)raw);
    } else {
      /* levels are C ints: -1 (no writable pipe) comes back as 2^64 - 1 */
      n = snprintf(record, sizeof record, "ESTP:%s:%s:socket.%s:%s: %sZ %d %d", host, application, r->name, STATS[i].name, ts, interval, (int)raw);
    }
    if (STATS[i].id == NN_STAT_CURRENT_EP_ERRORS) {
      n += snprintf(record + n, sizeof record - n, "\n");
      if (raw != 0 && r->eid >= 0) {
        n += snprintf(record + n, sizeof record - n, " nanomsg: Endpoint %d [%s] error: %s\n", r->eid, r->address, nn_strerror(ECONNREFUSED));
      }
    }
    /* as nanomsg: without a subscriber the record is dropped, and the result is ignored */
    (void)nn_send(stats, record, (size_t)n, NN_DONTWAIT);
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: nn_estp_publisher <socket-name|-> <connect-url> <interval-ms>\n");
    return 2;
  }
  const char *url = getenv("NN_STATISTICS_SOCKET");
  if (url == NULL) {
    fprintf(stderr, "nn_estp_publisher: NN_STATISTICS_SOCKET is not set\n");
    return 2;
  }
  int interval_ms = atoi(argv[3]);
  if (interval_ms <= 0) {
    fprintf(stderr, "nn_estp_publisher: <interval-ms> must be a positive number, got %s\n", argv[3]);
    return 2;
  }
  int interval = (interval_ms + 500) / 1000 > 0 ? (interval_ms + 500) / 1000 : 1;
  read_names();

  int stats = nn_socket(AF_SP, NN_PUB);
  if (stats < 0) fail("nn_socket(NN_PUB)");
  if (nn_connect(stats, url) < 0) fail("nn_connect(NN_STATISTICS_SOCKET)");

  struct reported sockets[3];
  sockets[0].s = nn_socket(AF_SP, NN_PUSH);
  if (sockets[0].s < 0) fail("nn_socket(NN_PUSH)");
  if (strcmp(argv[1], "-") != 0 && nn_setsockopt(sockets[0].s, NN_SOL_SOCKET, NN_SOCKET_NAME, argv[1], strlen(argv[1])) < 0) fail("NN_SOCKET_NAME");
  sockets[0].eid = nn_connect(sockets[0].s, argv[2]);
  if (sockets[0].eid < 0) fail("nn_connect");
  /* nanomsg prints the address without its scheme */
  sockets[0].address = strstr(argv[2], "://") ? strstr(argv[2], "://") + 3 : argv[2];

  char inproc[64];
  snprintf(inproc, sizeof inproc, "inproc://nn_estp_publisher.%d", (int)getpid());
  sockets[1].s = nn_socket(AF_SP, NN_PAIR);
  sockets[2].s = nn_socket(AF_SP, NN_PAIR);
  if (sockets[1].s < 0 || sockets[2].s < 0) fail("nn_socket(NN_PAIR)");
  if (nn_setsockopt(sockets[2].s, NN_SOL_SOCKET, NN_SOCKET_NAME, "receiver", 8) < 0) fail("NN_SOCKET_NAME");
  if (nn_bind(sockets[1].s, inproc) < 0) fail("nn_bind");
  if (nn_connect(sockets[2].s, inproc) < 0) fail("nn_connect(inproc)");
  sockets[1].eid = sockets[2].eid = -1;
  for (int i = 0; i < 3; i++) name_of(&sockets[i]);
  printf("ready\n");
  fflush(stdout);

  for (;;) {
    /* the report waits for the interval, or stops at end of stdin */
    struct pollfd in = {.fd = 0, .events = POLLIN};
    if (poll(&in, 1, interval_ms) > 0) {
      char buf[64];
      if (read(0, buf, sizeof buf) <= 0) break;
    }
    if (nn_send(sockets[1].s, "tick", 4, NN_DONTWAIT) == 4) {
      char got[16];
      while (nn_recv(sockets[2].s, got, sizeof got, NN_DONTWAIT) >= 0) {
      }
    }
    for (int i = 0; i < 3; i++) publish(stats, &sockets[i], interval);
  }
  for (int i = 0; i < 3; i++) {
    if (nn_close(sockets[i].s) < 0) fail("nn_close");
  }
  if (nn_close(stats) < 0) fail("nn_close(stats)");
  return 0;
}
