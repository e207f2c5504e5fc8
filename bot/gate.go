package bot

import (
	"context"
	"time"

	"github.com/quita-bot/quita/storage"
)

// Decision is the compliance gate's answer for one outbound message.
type Decision struct {
	Allow   bool
	Reason  string    // why not: opt_out, window, daily_cap, weekly_cap, reg_f_7in7…
	RetryAt time.Time // when a deferred message may go; zero means refused for good
}

// Gate checks every outbound message, the bot's and the agents' alike,
// before it reaches a provider.
type Gate interface {
	Check(ctx context.Context, o storage.Outbound, now time.Time) (Decision, error)
}

// OptOutGate refuses any message to a number that opted out of the channel
// after the message was written; the opt-out confirmation itself was written
// before the opt-out was recorded, so it still goes out.
type OptOutGate struct {
	Store *storage.Store
	Next  Gate // further checks (windows, caps); nil allows
}

// Check implements Gate.
func (g OptOutGate) Check(ctx context.Context, o storage.Outbound, now time.Time) (Decision, error) {
	at, ok, err := g.Store.OptedOut(ctx, o.Channel, o.To)
	if err != nil {
		return Decision{}, err
	}
	return g.checkKnown(ctx, o, now, at, ok)
}

// checkKnown is Check with the opt-out already read (the sender reads it
// with the sent mark in one round trip).
func (g OptOutGate) checkKnown(ctx context.Context, o storage.Outbound, now, at time.Time, ok bool) (Decision, error) {
	if ok && o.EnqueuedAt.After(at) {
		return Decision{Reason: "opt_out"}, nil
	}
	if g.Next == nil {
		return Decision{Allow: true}, nil
	}
	return g.Next.Check(ctx, o, now)
}
