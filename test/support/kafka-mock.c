/*
 * A librdkafka mock cluster (a real implementation of the Kafka protocol, librdkafka's own) as a
 * process that other processes connect to. Built and started by kafka-mock.ts.
 *
 *   kafka-mock <brokers>
 *
 * Prints `bootstrap <host:port,...>` once listening, then reads commands from stdin, one a line,
 * and answers each with `ok` or `error <text>`:
 *   topic <name> <partitions>   create a topic (the mock has no CreateTopics request)
 *   down <broker id>            take a broker down (connections refused)
 *   up <broker id>              bring it back
 * It exits when stdin closes or on SIGTERM.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void answer(rd_kafka_resp_err_t err) {
  if (err)
    printf("error %s\n", rd_kafka_err2str(err));
  else
    printf("ok\n");
  fflush(stdout);
}

static void run_command(rd_kafka_mock_cluster_t *mc, char *line) {
  char name[512];
  int n;
  if (sscanf(line, "topic %511s %d", name, &n) == 2)
    answer(rd_kafka_mock_topic_create(mc, name, n, 1));
  else if (sscanf(line, "down %d", &n) == 1)
    answer(rd_kafka_mock_broker_set_down(mc, n));
  else if (sscanf(line, "up %d", &n) == 1)
    answer(rd_kafka_mock_broker_set_up(mc, n));
  else {
    printf("error unknown command\n");
    fflush(stdout);
  }
}

int main(int argc, char **argv) {
  int brokers = argc > 1 ? atoi(argv[1]) : 3;
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  char count[16];
  snprintf(count, sizeof count, "%d", brokers);
  /* the handle creates the cluster and only ever talks to it */
  if (rd_kafka_conf_set(conf, "test.mock.num.brokers", count, errstr, sizeof errstr)) {
    fprintf(stderr, "%s\n", errstr);
    return 1;
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "%s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_handle_mock_cluster(rk);
  if (!mc) {
    fprintf(stderr, "could not create the mock cluster\n");
    return 1;
  }
  /* consumers join at once instead of after the broker's 3 s default */
  rd_kafka_mock_group_initial_rebalance_delay_ms(mc, 0);
  printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);
  char line[1024];
  while (fgets(line, sizeof line, stdin)) run_command(mc, line);
  rd_kafka_destroy(rk); /* destroys the cluster it owns */
  return 0;
}
