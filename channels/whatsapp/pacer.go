package whatsapp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/quita-bot/quita/channels"
)

// Error codes of the PermanentErrors this channel returns.
const (
	CodeColdContact   = "cold_contact_blocked" // the number never wrote to us and AllowColdContact is off
	CodeDailyCap      = "daily_cap"            // the sending number reached its messages per 24 h
	CodeNotOnWhatsApp = "not_on_whatsapp"      // IsOnWhatsApp says the number has no account
	CodeInvalidNumber = "invalid_number"       // To is not a phone number
	CodeBanned        = "banned"               // WhatsApp banned or restricted the sending number
	CodeLoggedOut     = "logged_out"           // no paired session: run `quita whatsapp login`
	CodeUnsupported   = "unsupported"          // nothing this channel can send (template, video…)
)

const day = 24 * time.Hour

// Pacer spaces the messages of one sending number against bans: one message
// per interval with ±jitter, and at most dailyCap in any 24 hours. Time comes
// from a Clock, so tests never sleep.
type Pacer struct {
	clock    Clock
	interval time.Duration // <= 0: no spacing
	jitter   float64
	dailyCap int // <= 0: no cap
	rand     func() float64

	mu   sync.Mutex
	next time.Time   // earliest start of the next message
	sent []time.Time // slots handed out in the last 24 h, oldest first
}

// NewPacer returns a pacer; random returns numbers in [0, 1) for the jitter
// (nil: math/rand/v2).
func NewPacer(clock Clock, interval time.Duration, jitter float64, dailyCap int, random func() float64) *Pacer {
	if random == nil {
		random = rand.Float64
	}
	return &Pacer{clock: clock, interval: interval, jitter: jitter, dailyCap: dailyCap, rand: random}
}

// Wait blocks until the number may send its next message and reserves that
// slot. It fails at once with a PermanentError{Code: "daily_cap"} when the
// last 24 hours are full, and with ctx's error if ctx ends first (the slot
// then no longer counts towards the cap).
func (p *Pacer) Wait(ctx context.Context) error {
	p.mu.Lock()
	now := p.clock.Now()
	for len(p.sent) > 0 && !p.sent[0].After(now.Add(-day)) {
		p.sent = p.sent[1:]
	}
	if p.dailyCap > 0 && len(p.sent) >= p.dailyCap {
		free := p.sent[0].Add(day)
		p.mu.Unlock()
		return &channels.PermanentError{Code: CodeDailyCap, Err: fmt.Errorf(
			"%d messages in the last 24 h reached the daily cap (QUITA_WHATSAPP_DAILY_CAP); the next slot frees at %s",
			p.dailyCap, free.Format(time.RFC3339))}
	}
	slot := now
	if p.next.After(now) {
		slot = p.next
	}
	if p.interval > 0 {
		p.next = slot.Add(p.gap())
	}
	p.sent = append(p.sent, slot)
	p.mu.Unlock()

	if wait := slot.Sub(now); wait > 0 {
		select {
		case <-p.clock.After(wait):
		case <-ctx.Done():
			p.forget(slot)
			return ctx.Err()
		}
	}
	return nil
}

// gap is the interval moved by a uniform jitter in [-jitter, +jitter).
func (p *Pacer) gap() time.Duration {
	return time.Duration(float64(p.interval) * (1 + p.jitter*(2*p.rand()-1)))
}

func (p *Pacer) forget(slot time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, t := range p.sent {
		if t.Equal(slot) {
			p.sent = append(p.sent[:i], p.sent[i+1:]...)
			return
		}
	}
}
