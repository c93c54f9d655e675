/*
 * nn_device: a libnanomsg device for nanosp's interop tests, written against the public
 * nanomsg API only (build: gcc nn_device.c -o nn_device -lnanomsg; never link libnng too,
 * it exports nn_* symbols of its own).
 *
 *   nn_device <reqrep|survey> [bind|connect] <front-url> [bind|connect] <back-url>
 *
 * The front is the raw REP (reqrep) or raw RESPONDENT (survey) that clients talk to; the
 * back is the raw REQ or raw SURVEYOR that servers or respondents talk to. Each URL is bound
 * unless "connect" comes before it. Once both endpoints are set up the program prints
 * "ready" on stdout, then runs nn_device until it is killed (or nn_device fails, which is
 * reported on stderr with exit status 1). Usage errors exit with status 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <nanomsg/survey.h>

static void usage(void) {
  fprintf(stderr, "usage: nn_device <reqrep|survey> [bind|connect] <front-url> [bind|connect] <back-url>\n");
  exit(2);
}

static void fail(const char *what, const char *detail) {
  fprintf(stderr, "nn_device: %s %s: %s\n", what, detail, nn_strerror(nn_errno()));
  exit(1);
}

struct end {
  const char *name;
  int connect;
  const char *url;
};

/* Reads "[bind|connect] <url>" at argv[*i]. */
static void parse_end(int argc, char **argv, int *i, struct end *end) {
  if (*i >= argc) usage();
  if (strcmp(argv[*i], "bind") == 0 || strcmp(argv[*i], "connect") == 0) {
    end->connect = strcmp(argv[*i], "connect") == 0;
    (*i)++;
    if (*i >= argc) usage();
  }
  end->url = argv[*i];
  (*i)++;
}

static int open_end(int protocol, const struct end *end) {
  int s = nn_socket(AF_SP_RAW, protocol);
  if (s < 0) fail("nn_socket for", end->name);
  int rc = end->connect ? nn_connect(s, end->url) : nn_bind(s, end->url);
  if (rc < 0) fail(end->connect ? "nn_connect" : "nn_bind", end->url);
  return s;
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  int front_protocol;
  int back_protocol;
  if (strcmp(argv[1], "reqrep") == 0) {
    front_protocol = NN_REP;
    back_protocol = NN_REQ;
  } else if (strcmp(argv[1], "survey") == 0) {
    front_protocol = NN_RESPONDENT;
    back_protocol = NN_SURVEYOR;
  } else {
    usage();
    return 2;
  }

  struct end front = {"front", 0, NULL};
  struct end back = {"back", 0, NULL};
  int i = 2;
  parse_end(argc, argv, &i, &front);
  parse_end(argc, argv, &i, &back);
  if (i != argc) usage();

  int s1 = open_end(front_protocol, &front);
  int s2 = open_end(back_protocol, &back);

  printf("ready\n");
  fflush(stdout);

  nn_device(s1, s2);
  fail("nn_device", argv[1]);
  return 1;
}
