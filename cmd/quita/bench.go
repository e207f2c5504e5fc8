package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/procfs"
	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/bot/metrics"
)

func init() {
	register(command{name: "bench", summary: "measure throughput and latency: bench inbound | reminders | dialogs", run: runBench})
}

// benchmarks are the bench subcommands, one file each (bench_*.go).
var benchmarks = map[string]func(ctx context.Context, args []string) error{}

func runBench(ctx context.Context, args []string) error {
	if len(args) == 0 || benchmarks[args[0]] == nil {
		names := make([]string, 0, len(benchmarks))
		for n := range benchmarks {
			names = append(names, n)
		}
		slices.Sort(names)
		return fmt.Errorf("usage: quita bench <%s> [flags]; quita bench <name> -h lists the flags", strings.Join(names, "|"))
	}
	return benchmarks[args[0]](ctx, args[1:])
}

// startCPUProfile writes a CPU profile to path until the returned stop is
// called; an empty path profiles nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// machine describes where a benchmark ran, for the appended run's heading.
func machine(ctx context.Context, rdb redis.UniversalClient) string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "unknown memory"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
					mem = fmt.Sprintf("%.1f GiB RAM", kb/(1<<20))
				}
			}
		}
	}
	load := "?"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	redisVersion := "no Redis"
	if rdb != nil {
		if info, err := rdb.Info(ctx, "server").Result(); err == nil {
			redisVersion = "Redis " + metrics.InfoField(info, "redis_version")
		}
	}
	return fmt.Sprintf("%s, %d cores (GOMAXPROCS %d), %s, %s, %s, %s/%s, load average %s, %s",
		cpu, runtime.NumCPU(), runtime.GOMAXPROCS(0), mem, runtime.Version(), redisVersion, runtime.GOOS, runtime.GOARCH,
		load, time.Now().UTC().Format("2006-01-02 15:04 UTC"))
}

// gitRev is the commit benchmarked, when run from a checkout.
func gitRev() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown commit"
	}
	return strings.TrimSpace(string(out))
}

// benchHistory is where a benchmark's run is appended by default (--out):
// the run-by-run notebook. BENCHMARKS.md is the current report, written
// from these runs by hand, so that it stays short.
const benchHistory = "docs/benchmarks/history.md"

// report prints a benchmark's result and appends it to the --out file
// (benchHistory by default) under a heading with the machine description.
func report(out, title, command, desc, body string) error {
	section := fmt.Sprintf("\n### %s — %s\n\n`%s` at %s on %s\n\n%s\n", title, time.Now().UTC().Format("2006-01-02 15:04"), command, gitRev(), desc, body)
	fmt.Print(section)
	if out == "" || out == "-" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("append to %s: %w", out, err)
	}
	f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("append to %s: %w", out, err)
	}
	defer f.Close()
	if _, err := f.WriteString(section); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "appended to %s\n", out)
	return nil
}

// percentile of sorted durations (p in 0..100).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }

// parseInts reads "1,8,32,64".
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a list of positive numbers like 1,8,32,64", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// benchRedisURL is --redis, else REDIS_URL: benchmarks need a real server.
func benchRedisURL(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u, nil
	}
	return "", fmt.Errorf("no Redis: pass --redis redis://127.0.0.1:6379/0 or set REDIS_URL (a real server; benchmarks never use the embedded one)")
}

// deletePrefix removes a benchmark's keys.
func deletePrefix(ctx context.Context, rdb redis.UniversalClient, prefix string) error {
	iter := rdb.Scan(ctx, 0, prefix+":*", 5000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
		if len(keys) == 1000 {
			if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
				return err
			}
			keys = keys[:0]
		}
	}
	if len(keys) > 0 {
		if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
			return err
		}
	}
	return iter.Err()
}

// processCPU is this process's CPU time so far (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// hostCPU is the machine's CPU time so far, from /proc/stat; ok is false
// where there is none (not Linux).
type hostCPU struct {
	total, steal float64 // seconds, all CPUs
	ok           bool
}

func readHostCPU() hostCPU {
	st, err := procfs.NewDefaultFS()
	if err != nil {
		return hostCPU{}
	}
	s, err := st.Stat()
	if err != nil {
		return hostCPU{}
	}
	c := s.CPUTotal
	return hostCPU{total: c.User + c.Nice + c.System + c.Idle + c.Iowait + c.IRQ + c.SoftIRQ + c.Steal, steal: c.Steal, ok: true}
}

// stealPercent is the share of the machine's CPU time that its hypervisor
// gave to others between two readings ("steal" in top): on a shared VM it
// is time none of quita, Redis or the load generator could run. -1 when
// unknown.
func stealPercent(before, after hostCPU) float64 {
	if !before.ok || !after.ok || after.total <= before.total {
		return -1
	}
	return 100 * (after.steal - before.steal) / (after.total - before.total)
}
