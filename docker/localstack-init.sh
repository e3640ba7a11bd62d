#!/bin/bash
# LocalStack ready hook: the demo stream (4 shards) and its dead-letter queue.
set -euo pipefail
awslocal kinesis create-stream --stream-name ksp-demo --shard-count 4 || true
awslocal kinesis wait stream-exists --stream-name ksp-demo
awslocal sqs create-queue --queue-name ksp-demo-dlq >/dev/null
