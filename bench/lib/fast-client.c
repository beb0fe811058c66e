/*
 * The fast wire client of bench/wire-fast-client.bench.ts: one blocking TCP connection, one outstanding
 * request at a time, the next request written as soon as the reply's newline has been read. Written in C
 * so the client costs a few microseconds per request and the server, not the client, sets the pace
 * (bench/lib/line-client.ts, a Node client, spends about as much CPU per request as a minimal server).
 *
 *   fast-client <port>           then, on stdin, one command per line:
 *     run <cycles> <first-id>    runs <cycles> start+grade cycles of the `count` task (ids from
 *                                <first-id>) and answers `ok <wall-ns> <latency-ns>...` (one latency per
 *                                cycle: start written → grade reply read) on stdout
 *     quit                       closes the connection and exits
 *
 * An unexpected reply or a closed connection prints `error <what>` on stdout and exits 1.
 * Built by bench/lib/fast-client.ts with the system C compiler (`cc -O2`).
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int sock = -1;
static char buffer[1 << 16];
static size_t buffered = 0;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void fail(const char *what, const char *detail) {
  printf("error %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  fflush(stdout);
  exit(1);
}

static void send_all(const char *data, size_t length) {
  while (length > 0) {
    ssize_t sent = send(sock, data, length, 0);
    if (sent <= 0) fail("send failed", NULL);
    data += sent;
    length -= (size_t)sent;
  }
}

/* Reads one reply line (without its newline, NUL-terminated) into `line`, at most `room` - 1 bytes. */
static void read_line(char *line, size_t room) {
  for (;;) {
    char *newline = memchr(buffer, '\n', buffered);
    if (newline) {
      size_t length = (size_t)(newline - buffer);
      size_t kept = length < room - 1 ? length : room - 1;
      memcpy(line, buffer, kept);
      line[kept] = '\0';
      buffered -= length + 1;
      memmove(buffer, newline + 1, buffered);
      return;
    }
    if (buffered == sizeof buffer) fail("reply line over 64 KiB", NULL);
    ssize_t got = recv(sock, buffer + buffered, sizeof buffer - buffered, 0);
    if (got <= 0) fail("connection closed", NULL);
    buffered += (size_t)got;
  }
}

static void run(long cycles, long id) {
  long long *latencies = malloc(sizeof(long long) * (size_t)(cycles > 0 ? cycles : 1));
  if (!latencies) fail("out of memory", NULL);
  char request[256];
  char reply[1024];
  long long started = now_ns();
  for (long cycle = 0; cycle < cycles; cycle++) {
    long long begun = now_ns();
    int length = snprintf(request, sizeof request,
                          "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tasks.start\",\"params\":{\"id\":"
                          "\"count\",\"args\":{\"text\":\"banana\",\"letter\":\"a\"}}}\n",
                          id++);
    send_all(request, (size_t)length);
    read_line(reply, sizeof reply);
    if (!strstr(reply, "\"result\":{\"prompt\"")) fail("tasks.start replied", reply);
    length = snprintf(request, sizeof request,
                      "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tasks.grade\",\"params\":{\"answer\":"
                      "\"3\"}}\n",
                      id++);
    send_all(request, (size_t)length);
    read_line(reply, sizeof reply);
    if (!strstr(reply, "\"score\":1.0")) fail("tasks.grade replied", reply);
    latencies[cycle] = now_ns() - begun;
  }
  long long wall = now_ns() - started;
  printf("ok %lld", wall);
  for (long cycle = 0; cycle < cycles; cycle++) printf(" %lld", latencies[cycle]);
  printf("\n");
  fflush(stdout);
  free(latencies);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: fast-client <port>\n");
    return 2;
  }
  sock = socket(AF_INET, SOCK_STREAM, 0);
  if (sock < 0) fail("socket failed", NULL);
  int one = 1;
  setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_port = htons((unsigned short)atoi(argv[1]));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(sock, (struct sockaddr *)&address, sizeof address) != 0) fail("connect failed", argv[1]);
  printf("connected\n");
  fflush(stdout);
  char command[128];
  while (fgets(command, sizeof command, stdin)) {
    long cycles = 0;
    long id = 0;
    if (sscanf(command, "run %ld %ld", &cycles, &id) == 2) run(cycles, id);
    else if (strncmp(command, "quit", 4) == 0) break;
    else fail("unknown command", command);
  }
  close(sock);
  return 0;
}
