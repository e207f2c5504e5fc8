// Package faults holds quita's fault tests: they build the quita binary,
// start and SIGKILL real redis-server (AOF on) and quita processes, and
// check that no acknowledged message is lost or processed twice, that bad
// requests are refused cleanly, and that a failing provider fails visibly
// without holding up the other channels. Everything is in the _test files;
// run them with `go test ./faults` (redis-server must be installed; with
// QUITA_REQUIRE_REDIS=1 its absence fails instead of skipping).
package faults
