package metrics

import (
	"strconv"
	"strings"
)

// RedisServer is what the Redis server says of itself (INFO cpu and
// memory). One thread runs every command, so its CPU is the service's
// ceiling (BENCHMARKS.md), and with `maxmemory-policy noeviction` a full
// maxmemory refuses every write: webhooks then fail until memory is freed.
type RedisServer struct {
	// Known is false when the server does not answer these sections (the
	// embedded in-process Redis of `quita serve` without REDIS_URL).
	Known bool `json:"known"`
	// CPUSeconds is the user and system CPU time of the thread that runs
	// commands since the server started (the whole process on servers
	// before Redis 6.2, which do not report the main thread apart).
	CPUSeconds      float64 `json:"cpu_seconds"`
	UsedMemoryBytes int64   `json:"used_memory_bytes"`
	MaxMemoryBytes  int64   `json:"maxmemory_bytes"` // 0: no limit
	MaxMemoryPolicy string  `json:"maxmemory_policy"`
}

// MemoryUsedRatio is used memory over maxmemory, 0 when there is no limit.
func (r RedisServer) MemoryUsedRatio() float64 {
	if r.MaxMemoryBytes <= 0 {
		return 0
	}
	return float64(r.UsedMemoryBytes) / float64(r.MaxMemoryBytes)
}

// ParseRedisServer reads the replies of INFO cpu and INFO memory. Known
// is false unless both carry the fields used here.
func ParseRedisServer(cpu, memory string) RedisServer {
	sys, okSys := infoFloat(cpu, "used_cpu_sys_main_thread")
	user, okUser := infoFloat(cpu, "used_cpu_user_main_thread")
	if !okSys || !okUser { // Redis < 6.2: the process as a whole
		sys, okSys = infoFloat(cpu, "used_cpu_sys")
		user, okUser = infoFloat(cpu, "used_cpu_user")
	}
	used, errUsed := strconv.ParseInt(InfoField(memory, "used_memory"), 10, 64)
	limit, errMax := strconv.ParseInt(InfoField(memory, "maxmemory"), 10, 64)
	if !okSys || !okUser || errUsed != nil || errMax != nil {
		return RedisServer{}
	}
	return RedisServer{Known: true, CPUSeconds: sys + user, UsedMemoryBytes: used, MaxMemoryBytes: limit,
		MaxMemoryPolicy: InfoField(memory, "maxmemory_policy")}
}

// InfoField reads one field of an INFO reply ("" when absent).
func InfoField(info, name string) string {
	for l := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), name+":"); ok {
			return v
		}
	}
	return ""
}

func infoFloat(info, name string) (float64, bool) {
	v, err := strconv.ParseFloat(InfoField(info, name), 64)
	return v, err == nil
}
