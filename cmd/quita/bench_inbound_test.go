package main

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestPeakRatesTakeEachSideAtItsBestLevel(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		levels               []inboundLevel
		wantBest, wantFloorC int
	}{
		{"floor peaks lower", []inboundLevel{
			{concurrency: 8, e2eRate: 5675, floorRate: 24866},
			{concurrency: 64, e2eRate: 9247, floorRate: 21186},
		}, 64, 8},
		{"both peak at the top", []inboundLevel{
			{concurrency: 1, e2eRate: 3000, floorRate: 10000},
			{concurrency: 32, e2eRate: 7000, floorRate: 20000},
		}, 32, 32},
		{"no floor measured", []inboundLevel{
			{concurrency: 8, e2eRate: 5000}, {concurrency: 32, e2eRate: 6000},
		}, 32, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			best, floor := peakRates(tc.levels)
			if best.concurrency != tc.wantBest || floor.concurrency != tc.wantFloorC {
				t.Errorf("peaks at c=%d and floor c=%d, want c=%d and c=%d", best.concurrency, floor.concurrency, tc.wantBest, tc.wantFloorC)
			}
		})
	}
}

func TestInboundTableComparesTheFloorOnlyWhereItMeansSomething(t *testing.T) {
	levels := []inboundLevel{
		{concurrency: 8, ackP99: 12 * time.Millisecond, ackP99InService: 3 * time.Millisecond, e2eRate: 2500, floorRate: 5000, stealService: 4, stealFloor: -1},
		{concurrency: 64, e2eRate: 4000, floorRate: 4000, stealService: -1, stealFloor: 12.4,
			redisCPUPerReply: 125 * time.Microsecond, ownCPUPerReply: 375 * time.Microsecond},
	}
	for _, tc := range []struct {
		name     string
		openLoop bool
		want     []string
		not      []string
	}{
		{"closed loop", false,
			[]string{"| 8 | 0 | 0.00 | 12.00 | 3.00 | 2500 |", "| 5000 | 0.00 | 50% | 0 | 0 | 4, — |", "| 4000 | 0.00 | 100% | 0 | 0 | —, 12 |",
				"Peak to peak: 4000 replies/s (c=64) ÷ 5000 floor req/s (c=8) = 80%.",
				// 1 s / 125 µs = 8,000 on one thread; 2 cores / 500 µs = 4,000
				"Ceilings at c=64: one Redis thread at 125 µs per reply serves at most 8000 replies/s (160% of the floor's best); 2 cores at 500 µs per reply (Redis and quita) at most 4000 (80%)."},
			nil},
		{"open loop: the same arrivals, so no ratio", true,
			[]string{"| 5000 | 0.00 | — | 0 | 0 | 4, — |"},
			[]string{"%", "Peak to peak", "Ceilings"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			writeInboundTable(&b, levels, tc.openLoop, 2)
			rows := strings.SplitN(b.String(), "\n", 3)[2] // past the header and its rule
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("table lacks %q:\n%s", w, b.String())
				}
			}
			for _, n := range tc.not {
				if strings.Contains(rows, n) {
					t.Errorf("table has %q:\n%s", n, b.String())
				}
			}
		})
	}
}

func TestStealPercent(t *testing.T) {
	for _, tc := range []struct {
		name          string
		before, after hostCPU
		want          float64
	}{
		{"a quarter stolen", hostCPU{total: 100, steal: 5, ok: true}, hostCPU{total: 140, steal: 15, ok: true}, 25},
		{"none", hostCPU{total: 100, ok: true}, hostCPU{total: 120, ok: true}, 0},
		{"no /proc/stat", hostCPU{}, hostCPU{total: 120, ok: true}, -1},
		{"no time passed", hostCPU{total: 100, ok: true}, hostCPU{total: 100, ok: true}, -1},
	} {
		if got := stealPercent(tc.before, tc.after); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if runtime.GOOS == "linux" && !readHostCPU().ok {
		t.Error("readHostCPU found no /proc/stat on Linux")
	}
}
