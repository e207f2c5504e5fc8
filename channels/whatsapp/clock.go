package whatsapp

import "time"

// Clock tells the time and makes timers. The channel, its pacer and its
// connection supervisor take one so that tests drive time by hand and never
// sleep.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives the time once d has passed, like time.After.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real Clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
