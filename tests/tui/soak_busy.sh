#!/bin/sh
# The soak (soak.sh) on resnet20 with the worker busy: its automatic jobs
# are the scores, the latency measurements and the quick-eval, so 2000
# keys and the resizes arrive while it scores, times and trains (issue
# 16); the final plan must still equal the batch replays of the same keys.
RC_SOAK_MODEL=${RC_SOAK_MODEL:-resnet20}
RC_SOAK_JOBS=${RC_SOAK_JOBS:-scores,latency,quickeval}
# No v and no S: the sensitivity grid (eight SynFlow runs of resnet20),
# the criteria (five methods) and the stability (ten scorings) are
# explicit jobs that an automatic plan would wait behind.
RC_SOAK_SKIP=${RC_SOAK_SKIP:-vS}
export RC_SOAK_MODEL RC_SOAK_JOBS RC_SOAK_SKIP
exec sh "$(dirname "$0")/soak.sh"
