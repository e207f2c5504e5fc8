package bot

import (
	"context"
	"sync"

	"golang.org/x/time/rate"
)

// rateLimits holds one token bucket per channel, per process.
type rateLimits struct {
	mu      sync.Mutex
	perSec  map[string]float64
	buckets map[string]*rate.Limiter
}

// defaultRate is messages per second per channel when not configured.
const defaultRate = 50

func newRateLimits(perSec map[string]float64) *rateLimits {
	return &rateLimits{perSec: perSec, buckets: map[string]*rate.Limiter{}}
}

func (r *rateLimits) wait(ctx context.Context, channel string) error {
	r.mu.Lock()
	l, ok := r.buckets[channel]
	if !ok {
		ps, set := r.perSec[channel]
		if !set || ps <= 0 {
			ps = defaultRate
		}
		l = rate.NewLimiter(rate.Limit(ps), max(1, int(ps)))
		r.buckets[channel] = l
	}
	r.mu.Unlock()
	return l.Wait(ctx)
}
