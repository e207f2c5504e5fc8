package main

import "testing"

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
