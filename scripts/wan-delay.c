/*
 * wan-delay: a packet delay line for kernels without the netem qdisc (used by scripts/wan-testnet.sh).
 *
 *   wan-delay QUEUE DELAY_MS [MAX_LEN]
 *
 * Binds netfilter queue QUEUE (NFQUEUE, libnetfilter_queue) in the current network namespace, receives every
 * packet an iptables/nftables rule queues there, and gives it the ACCEPT verdict DELAY_MS milliseconds after it
 * arrived (monotonic clock). The delay is the same for every packet, so the verdicts go out in arrival order (FIFO)
 * and the order of the packets is kept, as with `tc netem delay`. The kernel queue may hold MAX_LEN packets
 * (default 10000); the queue is fail-open (a full queue lets packets through undelayed instead of dropping them)
 * and the rule should use --queue-bypass / `bypass`, so the traffic flows undelayed if this program is not running.
 * Only the packet metadata is copied to user space (no payload), and GSO packets are not split.
 * Prints "wan-delay: ready" on stdout once bound; SIGTERM or SIGINT lets every held packet through and exits.
 *
 * Build: cc -O2 -o wan-delay wan-delay.c $(pkg-config --libs libnetfilter_queue)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_NO_ENOBUFS
#define NETLINK_NO_ENOBUFS 5
#endif

#define RING_SIZE (1u << 17) /* held packets; more than the kernel queue can hold */

struct held { uint32_t id; int64_t due_ns; };
static struct held ring[RING_SIZE];
static uint32_t head, tail; /* ring[head % RING_SIZE] is the oldest; tail - head packets are held */
static int64_t delay_ns;
static struct nfq_q_handle *qh;
static volatile sig_atomic_t stop;
static unsigned long long passed, overflowed;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_signal(int sig) { (void)sig; stop = 1; }

/* Lets through every held packet up to and including the newest due one: one batch verdict (ids <= id). */
static void release(int64_t now, int all) {
  uint32_t last = head;
  while (last != tail && (all || ring[last % RING_SIZE].due_ns <= now)) last++;
  if (last == head) return;
  uint32_t id = ring[(last - 1) % RING_SIZE].id;
  if (nfq_set_verdict_batch(qh, id, NF_ACCEPT) < 0) {
    /* Fall back to one verdict per packet. */
    for (uint32_t i = head; i != last; i++) nfq_set_verdict(qh, ring[i % RING_SIZE].id, NF_ACCEPT, 0, NULL);
  }
  passed += last - head;
  head = last;
}

static int on_packet(struct nfq_q_handle *q, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
  (void)msg; (void)data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph) return 0;
  uint32_t id = ntohl(ph->packet_id);
  if (tail - head >= RING_SIZE) { /* cannot happen with MAX_LEN < RING_SIZE; never hold a packet forever */
    overflowed++;
    return nfq_set_verdict(q, id, NF_ACCEPT, 0, NULL);
  }
  ring[tail % RING_SIZE] = (struct held){ id, now_ns() + delay_ns };
  tail++;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: wan-delay QUEUE DELAY_MS [MAX_LEN]\n");
    return 2;
  }
  unsigned queue = (unsigned)strtoul(argv[1], NULL, 10);
  double delay_ms = strtod(argv[2], NULL);
  uint32_t max_len = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 10000;
  if (delay_ms < 0 || max_len == 0 || max_len >= RING_SIZE) {
    fprintf(stderr, "wan-delay: bad DELAY_MS or MAX_LEN (1 .. %u)\n", RING_SIZE - 1);
    return 2;
  }
  delay_ns = (int64_t)(delay_ms * 1e6);

  struct nfq_handle *h = nfq_open();
  if (!h) { perror("wan-delay: nfq_open"); return 1; }
  qh = nfq_create_queue(h, (uint16_t)queue, on_packet, NULL);
  if (!qh) { perror("wan-delay: nfq_create_queue (is another program bound to this queue?)"); return 1; }
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) { perror("wan-delay: nfq_set_mode"); return 1; }
  if (nfq_set_queue_maxlen(qh, max_len) < 0) { perror("wan-delay: nfq_set_queue_maxlen"); return 1; }
  if (nfq_set_queue_flags(qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN) < 0)
    fprintf(stderr, "wan-delay: warning: this kernel has no fail-open queues\n");
  if (nfq_set_queue_flags(qh, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO) < 0)
    fprintf(stderr, "wan-delay: warning: GSO packets will be split by the kernel\n");

  int fd = nfq_fd(h);
  int rcvbuf = 16 << 20, one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  printf("wan-delay: ready (queue %u, %.3f ms, max %u packets)\n", queue, delay_ms, max_len);
  fflush(stdout);

  static char buf[1 << 16] __attribute__((aligned));
  while (!stop) {
    int64_t now = now_ns();
    release(now, 0);
    struct timespec timeout, *tp = NULL;
    if (head != tail) {
      int64_t wait = ring[head % RING_SIZE].due_ns - now;
      if (wait < 0) wait = 0;
      timeout.tv_sec = wait / 1000000000;
      timeout.tv_nsec = wait % 1000000000;
      tp = &timeout;
    }
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int r = ppoll(&pfd, 1, tp, NULL);
    if (r < 0) {
      if (errno == EINTR) continue;
      perror("wan-delay: ppoll");
      break;
    }
    if (r == 0) continue;
    /* Drain everything that has arrived, then release what is due. */
    for (;;) {
      ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
        if (errno == ENOBUFS) { fprintf(stderr, "wan-delay: receive buffer overrun\n"); continue; }
        perror("wan-delay: recv");
        stop = 1;
        break;
      }
      nfq_handle_packet(h, buf, (int)n);
    }
  }
  release(0, 1);
  fprintf(stderr, "wan-delay: stopped after %llu packets (%llu let through early because the ring was full)\n",
          passed, overflowed);
  nfq_destroy_queue(qh);
  nfq_close(h);
  return 0;
}
