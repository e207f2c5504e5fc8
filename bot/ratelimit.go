package bot

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateLimits holds one token bucket per channel, per process, and bounds
// each channel's sends in flight.
type rateLimits struct {
	mu       sync.Mutex
	perSec   map[string]float64
	buckets  map[string]*rate.Limiter
	inFlight map[string]chan struct{} // one slot per send in flight
}

// busyWait is how long a send waits for one of its channel's slots: a
// healthy provider frees one within it; a slow or hanging one does not,
// and the message goes to the retry set so the sender moves on.
const busyWait = 50 * time.Millisecond

// enter takes one of a channel's sender slots: at most senders−1 (and at
// least one) at once, so a provider that hangs never holds every sender and
// the other channels keep flowing. ok is false when no slot freed in time.
func (r *rateLimits) enter(ctx context.Context, channel string, senders int) (release func(), ok bool) {
	r.mu.Lock()
	slots, found := r.inFlight[channel]
	if !found {
		slots = make(chan struct{}, max(1, senders-1))
		r.inFlight[channel] = slots
	}
	r.mu.Unlock()
	select {
	case slots <- struct{}{}:
	default:
		t := time.NewTimer(busyWait)
		defer t.Stop()
		select {
		case slots <- struct{}{}:
		case <-t.C:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
	return func() { <-slots }, true
}

// defaultRate is messages per second per channel when not configured.
const defaultRate = 50

func newRateLimits(perSec map[string]float64) *rateLimits {
	return &rateLimits{perSec: perSec, buckets: map[string]*rate.Limiter{}, inFlight: map[string]chan struct{}{}}
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
