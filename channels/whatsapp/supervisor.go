package whatsapp

import (
	"context"
	"errors"
	"time"

	"go.mau.fi/whatsmeow"

	"github.com/quita-bot/quita/channels"
)

// supervise is the one goroutine that decides about the lease and the
// socket: each pass takes or renews the lease, then dials if the number
// should be connected and is not, and sleeps until the next check or until
// an event pokes it.
func (c *Channel) supervise(ctx context.Context) {
	defer close(c.done)
	for {
		timer := c.clock.After(c.pass(ctx))
		c.parked.Add(1)
		select {
		case <-ctx.Done():
			c.shutdown()
			return
		case <-c.wake:
		case <-timer:
		}
	}
}

// pass runs one round and returns how long to wait before the next. An
// unpaired (or logged-out) session never holds the number: another process
// with a valid session may take it.
func (c *Channel) pass(ctx context.Context) time.Duration {
	now := c.clock.Now()
	if !c.client.IsPaired() {
		if c.State() != StateLoggedOut {
			c.setState(StateNotPaired)
		}
		c.releaseLease(ctx)
		return watchEvery
	}
	next := watchEvery
	if c.lease != nil {
		held, wait := c.keepLease(ctx, now)
		if !held {
			return wait
		}
		next = wait
	}
	return min(next, c.keepConnected(now))
}

// keepLease takes the lease, or renews it every third of its TTL. A renewal
// that fails on a Redis error keeps the number until the lease might have
// expired (one renew period before the TTL runs out), then lets it go.
func (c *Channel) keepLease(ctx context.Context, now time.Time) (held bool, wait time.Duration) {
	ttl := c.lease.TTL()
	every := ttl / 3
	c.mu.Lock()
	held, renewedAt, force := c.held, c.renewedAt, c.forceRenew
	c.forceRenew = false
	c.mu.Unlock()

	if !held {
		ok, err := c.lease.Acquire(ctx)
		if err != nil {
			c.log.Warn("whatsapp: cannot take the number's lease", "err", err)
		}
		if !ok {
			c.standby()
			return false, every
		}
		c.mu.Lock()
		c.held, c.renewedAt = true, now
		c.mu.Unlock()
		c.log.Info("whatsapp: this process holds the number", "phone", channels.MaskPhone(c.own))
		if c.State() == StateStandby {
			c.setState(StateConnecting)
		}
		return true, every
	}
	if !force && now.Sub(renewedAt) < every {
		return true, renewedAt.Add(every).Sub(now)
	}
	ok, err := c.lease.Renew(ctx)
	switch {
	case err == nil && ok:
		c.mu.Lock()
		c.renewedAt = now
		c.mu.Unlock()
		return true, every
	case err == nil:
		c.log.Error("whatsapp: lost the number's lease to another process; disconnecting")
		c.loseLease()
		return false, every
	case now.Sub(renewedAt) >= ttl-every:
		c.log.Error("whatsapp: cannot renew the number's lease before it may expire; disconnecting", "err", err)
		c.loseLease()
		return false, every
	default:
		c.log.Warn("whatsapp: lease renewal failed; retrying", "err", err)
		return true, every / 4
	}
}

func (c *Channel) loseLease() {
	c.mu.Lock()
	c.held = false
	c.mu.Unlock()
	c.client.Disconnect()
	c.standby()
}

// standby shows that another process has the number, unless a state that
// needs a person (not paired, logged out) says more.
func (c *Channel) standby() {
	switch c.State() {
	case StateNotPaired, StateLoggedOut:
	default:
		c.setState(StateStandby)
	}
}

// keepConnected dials when the number should be connected and is not:
// never when logged out, after the ban's end when banned, and
// not before redialAt (whatsmeow's own reconnect goes first after a drop).
func (c *Channel) keepConnected(now time.Time) time.Duration {
	c.mu.Lock()
	st, redialAt, bannedUntil, kick := c.state, c.redialAt, c.bannedUntil, c.kick
	c.kick = false
	c.mu.Unlock()

	switch st {
	case StateNotPaired, StateLoggedOut:
		return watchEvery
	case StateBanned:
		if now.Before(bannedUntil) {
			return bannedUntil.Sub(now)
		}
		c.log.Info("whatsapp: ban cooldown over; trying again")
	}
	if kick {
		c.client.Disconnect()
		redialAt = now
	}
	if c.client.IsConnected() {
		if st == StateBanned { // error 463 leaves the socket up
			c.setState(StateConnected)
		}
		return watchEvery
	}
	c.setState(StateConnecting)
	if now.Before(redialAt) {
		return redialAt.Sub(now)
	}
	err := c.client.Connect()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil && !errors.Is(err, whatsmeow.ErrAlreadyConnected) {
		c.failures++
		backoff := min(c.cfg.ReconnectGrace<<min(c.failures-1, 10), maxRedialBackoff)
		c.redialAt = now.Add(backoff)
		c.log.Warn("whatsapp: connect failed", "err", err, "retry_in", backoff)
		return backoff
	}
	// Logging in follows the socket; do not dial again before it had time.
	c.redialAt = now.Add(c.cfg.ReconnectGrace)
	return c.cfg.ReconnectGrace
}

// shutdown closes the socket and gives the lease back.
func (c *Channel) shutdown() {
	c.client.RemoveEventHandler(c.handler)
	c.client.Disconnect()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 5*time.Second)
	defer cancel()
	c.releaseLease(ctx)
}

// releaseLease gives the lease back if we hold it.
func (c *Channel) releaseLease(ctx context.Context) {
	c.mu.Lock()
	held := c.held
	c.held = false
	c.mu.Unlock()
	if !held {
		return
	}
	if err := c.lease.Release(ctx); err != nil {
		c.log.Warn("whatsapp: lease not released; it expires by itself", "err", err)
	}
}
