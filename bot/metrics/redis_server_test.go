package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/quita-bot/quita/storage/redistest"
)

// Replies of a real Redis 7.0.15 (redis-cli INFO cpu, INFO memory, with
// maxmemory 1gb), cut to a few lines around the fields read.
const (
	infoCPU70 = "# CPU\r\nused_cpu_sys:196.780238\r\nused_cpu_user:378.072618\r\nused_cpu_sys_children:20.172389\r\n" +
		"used_cpu_user_children:87.762461\r\nused_cpu_sys_main_thread:193.022295\r\nused_cpu_user_main_thread:375.501638\r\n"
	infoMemory70 = "# Memory\r\nused_memory:2142504\r\nused_memory_human:2.04M\r\nused_memory_rss:92434432\r\n" +
		"used_memory_peak:2667633080\r\nmaxmemory:1073741824\r\nmaxmemory_human:1.00G\r\nmaxmemory_policy:noeviction\r\n"
	// Redis 6.0 has no *_main_thread fields; the process's CPU stands in.
	infoCPU60 = "# CPU\r\nused_cpu_sys:12.5\r\nused_cpu_user:30.25\r\nused_cpu_sys_children:0.0\r\nused_cpu_user_children:0.0\r\n"
)

func TestParseRedisServer(t *testing.T) {
	noLimit := strings.Replace(strings.Replace(infoMemory70, "maxmemory:1073741824", "maxmemory:0", 1), "1.00G", "0B", 1)
	for _, c := range []struct {
		name        string
		cpu, memory string
		want        RedisServer
		ratio       float64
	}{
		{"Redis 7: the command thread's CPU, memory against its limit", infoCPU70, infoMemory70,
			RedisServer{Known: true, CPUSeconds: 193.022295 + 375.501638, UsedMemoryBytes: 2142504, MaxMemoryBytes: 1 << 30, MaxMemoryPolicy: "noeviction"},
			2142504.0 / (1 << 30)},
		{"no maxmemory: no ratio", infoCPU70, noLimit,
			RedisServer{Known: true, CPUSeconds: 193.022295 + 375.501638, UsedMemoryBytes: 2142504, MaxMemoryPolicy: "noeviction"}, 0},
		{"Redis 6.0: the whole process's CPU", infoCPU60, infoMemory70,
			RedisServer{Known: true, CPUSeconds: 42.75, UsedMemoryBytes: 2142504, MaxMemoryBytes: 1 << 30, MaxMemoryPolicy: "noeviction"},
			2142504.0 / (1 << 30)},
		{"sections not answered (the embedded server)", "", "", RedisServer{}, 0},
		{"memory answered, cpu not", "", infoMemory70, RedisServer{}, 0},
		{"a garbled figure", infoCPU70, strings.Replace(infoMemory70, "used_memory:2142504", "used_memory:2M", 1), RedisServer{}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := ParseRedisServer(c.cpu, c.memory)
			if got.Known != c.want.Known || got.UsedMemoryBytes != c.want.UsedMemoryBytes || got.MaxMemoryBytes != c.want.MaxMemoryBytes ||
				got.MaxMemoryPolicy != c.want.MaxMemoryPolicy || !near(got.CPUSeconds, c.want.CPUSeconds) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
			if r := got.MemoryUsedRatio(); !near(r, c.ratio) {
				t.Errorf("ratio %v, want %v", r, c.ratio)
			}
		})
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestChecksHoldRedisMemoryAgainstItsLimit(t *testing.T) {
	for _, c := range []struct {
		name   string
		server RedisServer
		want   string // the check's reason when it fails; "ok" when it passes; "" when there is no check
	}{
		{"no limit, no check", RedisServer{Known: true, UsedMemoryBytes: 900}, ""},
		{"under the limit", RedisServer{Known: true, UsedMemoryBytes: 850, MaxMemoryBytes: 1000}, "ok"},
		{"over it", RedisServer{Known: true, UsedMemoryBytes: 912345, MaxMemoryBytes: 1000000},
			"memory used of maxmemory 0.912 > 0.85 (QuitaRedisMemoryHigh, RUNBOOK.md#quitaredismemoryhigh)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := ""
			for _, ch := range (Figures{Redis: c.server}).Checks() {
				if ch.Item != "redis" {
					continue
				}
				got = "ok"
				if !ch.OK {
					got = ch.Reason()
				}
			}
			if got != c.want {
				t.Errorf("redis check %q, want %q", got, c.want)
			}
		})
	}
}

// The collector reports the server's figures when it answers INFO cpu and
// memory (a real redis-server, as in CI), and leaves them out, with Redis
// still up, when it does not (miniredis, like the embedded server).
func TestQueuesReportTheRedisServer(t *testing.T) {
	r := redistest.New(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewQueues(r.Client, SourcesFor(r.Store().Keys()), nil))
	if up, ok := value(t, reg, "quita_redis_up", nil); !ok || up != 1 {
		t.Fatalf("quita_redis_up = %v (found %v), want 1", up, ok)
	}
	cpu, hasCPU := value(t, reg, "quita_redis_cpu_seconds_total", nil)
	used, hasUsed := value(t, reg, "quita_redis_memory_used_bytes", nil)
	_, hasMax := value(t, reg, "quita_redis_memory_max_bytes", nil)
	_, hasRatio := value(t, reg, "quita_redis_memory_used_ratio", nil)
	if !r.Real {
		if hasCPU || hasUsed || hasMax || hasRatio {
			t.Errorf("miniredis answers no INFO cpu or memory, yet figures were reported")
		}
		return
	}
	if !hasCPU || cpu <= 0 || !hasUsed || used <= 0 || !hasMax || !hasRatio {
		t.Errorf("real Redis: cpu %v (%v), used memory %v (%v), max %v, ratio %v: want all reported, cpu and memory above 0",
			cpu, hasCPU, used, hasUsed, hasMax, hasRatio)
	}
}
