package bot

import (
	"context"
	"sync"

	"golang.org/x/time/rate"
)

// rateLimits holds one token bucket per channel, per process, and counts
// each channel's sends in flight.
type rateLimits struct {
	mu       sync.Mutex
	perSec   map[string]float64
	buckets  map[string]*rate.Limiter
	inFlight map[string]int
}

// enter takes one of a channel's sender slots: at most senders−1 (and at
// least one) at once, so a provider that hangs never holds every sender and
// the other channels keep flowing. ok is false when the channel is full.
func (r *rateLimits) enter(channel string, senders int) (release func(), ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inFlight[channel] >= max(1, senders-1) {
		return nil, false
	}
	r.inFlight[channel]++
	return func() {
		r.mu.Lock()
		r.inFlight[channel]--
		r.mu.Unlock()
	}, true
}

// defaultRate is messages per second per channel when not configured.
const defaultRate = 50

func newRateLimits(perSec map[string]float64) *rateLimits {
	return &rateLimits{perSec: perSec, buckets: map[string]*rate.Limiter{}, inFlight: map[string]int{}}
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
