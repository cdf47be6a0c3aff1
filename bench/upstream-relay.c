// The native floor of a TCP proxy (bench/upstream.mjs --native-floor compiles it with cc): one
// thread per direction per connection, blocking read()/write() of whatever arrives, Nagle off.
// Usage: upstream-relay <port> <upstream port> (127.0.0.1).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
static int up_port;
struct pair { int from, to; };
static void *pump(void *arg) {
  struct pair *p = arg; char buf[65536];
  for (;;) { ssize_t n = read(p->from, buf, sizeof buf); if (n <= 0) break;
    ssize_t o = 0; while (o < n) { ssize_t w = write(p->to, buf + o, n - o); if (w <= 0) goto done; o += w; } }
done: shutdown(p->to, SHUT_RDWR); shutdown(p->from, SHUT_RDWR); free(p); return NULL;
}
int main(int argc, char **argv) {
  int port = atoi(argv[1]); up_port = atoi(argv[2]); int one = 1;
  int ls = socket(AF_INET, SOCK_STREAM, 0); setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  if (bind(ls, (void *)&a, sizeof a) || listen(ls, 128)) { perror("listen"); return 1; }
  for (;;) {
    int c = accept(ls, NULL, NULL); if (c < 0) continue;
    int u = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in b = { .sin_family = AF_INET, .sin_port = htons(up_port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (connect(u, (void *)&b, sizeof b)) { close(c); close(u); continue; }
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pthread_t t; struct pair *p1 = malloc(sizeof *p1), *p2 = malloc(sizeof *p2);
    p1->from = c; p1->to = u; p2->from = u; p2->to = c;
    pthread_create(&t, NULL, pump, p1); pthread_detach(t); pthread_create(&t, NULL, pump, p2); pthread_detach(t);
  }
}
