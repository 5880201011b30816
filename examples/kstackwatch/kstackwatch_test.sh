#!/bin/sh
# The series' tools/kstackwatch/kstackwatch_test.sh, for the simulated
# kernel: for each scenario, write its config to the debugfs control file
# (`--control "at 0ms: …"`, the same write path as
# `echo … > /sys/kernel/debug/kstackwatch/config`), run the test module's
# scenario (`--param test=N`, as `echo testN > …/kstackwatch/test`), then
# check what the series' script leaves to a person reading dmesg: that a
# KStackWatch report was printed. One PASS/FAIL line per test; exit status
# 0 when all pass, 1 otherwise.
#
# usage: kstackwatch_test.sh [TEST...]      (default: 0 1 2 3 4 5)
# env:   KSW     the ksw command (default: node <repo>/bin/ksw)
#        MODULE  the test module (default: the prebuilt kstackwatch_test.o)
#        SEED    the seed (default 1)

here=$(cd "$(dirname "$0")" && pwd)
KSW=${KSW:-"node $here/../../bin/ksw"}
MODULE=${MODULE:-"$here/kstackwatch_test.o"}
SEED=${SEED:-1}

config_of() {
	case $1 in
	0) echo "fn=test_watch_fire" ;;
	1) echo "fn=test_canary_overflow" ;;
	2) echo "fn=test_recursive_depth dp=3 so=8 wl=8" ;;
	3) echo "fn=test_mthread_victim var=buf[4]" ;;
	4) echo "fn=test_mthread_victim var=buf[4]" ;;
	5) echo "fn=test_mthread_buggy" ;;
	*) return 1 ;;
	esac
}

tests=${*:-0 1 2 3 4 5}
failed=0
for n in $tests; do
	if ! config=$(config_of "$n"); then
		echo "test$n: Unknown test number $n"
		failed=1
		continue
	fi
	out=$($KSW run "$MODULE" --seed "$SEED" --param "test=$n" --control "at 0ms: $config" --quiet 2>&1)
	status=$?
	reports=$(printf '%s\n' "$out" | grep -c 'KStackWatch: Caught stack corruption')
	if [ "$status" -eq 1 ] && [ "$reports" -gt 0 ]; then
		echo "test$n: PASS ($reports report(s); config \"$config\")"
	else
		echo "test$n: FAIL (exit status $status, $reports report(s); config \"$config\")"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/    /'
		failed=1
	fi
done
exit $failed
