// Package whatsapp is quita's WhatsApp Web multi-device channel, built on
// whatsmeow. It keeps the device session in SQL (SQLite in the data dir, or
// PostgreSQL), turns whatsmeow events into channels.Inbound values, sends
// text, boleto PDFs and PIX QR images, paces what it sends against bans, and
// keeps itself connected while it holds the number's lease.
//
// All whatsmeow knowledge — JIDs, LIDs, protobuf message kinds, receipts,
// presence — stays in this package; the rest of quita sees plain messages.
package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/quita-bot/quita/channels"
)

// State is the connection state the service shows at /readyz and in metrics.
type State string

// Connection states.
const (
	StateConnected  State = "connected"  // logged in; messages flow
	StateConnecting State = "connecting" // dialling, or waiting to redial
	StateLoggedOut  State = "logged_out" // WhatsApp unlinked this device: run `quita whatsapp login`
	StateBanned     State = "banned"     // temporary ban, connect failure or error 463; retried after a cooldown
	StateNotPaired  State = "not_paired" // no session yet: run `quita whatsapp login`
	StateStandby    State = "standby"    // another process holds this number's lease
)

// Lease is a claim on the number held by one process at a time;
// *storage.Lease implements it.
type Lease interface {
	Acquire(ctx context.Context) (bool, error)
	Renew(ctx context.Context) (bool, error)
	Release(ctx context.Context) error
	TTL() time.Duration
}

// ErrNotConnected is returned by Send and Typing while the channel is not
// connected (connecting or standby); retrying later may succeed.
var ErrNotConnected = errors.New("whatsapp is not connected")

const (
	watchEvery          = time.Minute     // supervisor check without a lease
	streamReplacedDelay = time.Minute     // wait before taking the session back
	maxRedialBackoff    = 5 * time.Minute // between failed Connect calls
	keepAliveKick       = 3               // keepalive failures in a row before a redial
)

// Option customises a Channel.
type Option func(*Channel)

// WithLease makes the channel connect only while it holds l, renewing it
// every third of its TTL and disconnecting when it is lost.
func WithLease(l Lease) Option { return func(c *Channel) { c.lease = l } }

// WithClock replaces the system clock (tests).
func WithClock(clock Clock) Option { return func(c *Channel) { c.clock = clock } }

// WithRandom replaces the jitter's random source, returning [0, 1) (tests).
func WithRandom(f func() float64) Option { return func(c *Channel) { c.random = f } }

// WithLIDMap keeps the LID ⇄ phone map in m (default: in memory).
func WithLIDMap(m LIDMap) Option { return func(c *Channel) { c.lids = m } }

// WithContacts keeps who wrote to us in ct (default: in memory).
func WithContacts(ct Contacts) Option { return func(c *Channel) { c.contacts = ct } }

// WithStateHook calls f with every new state, e.g. to set a metric. It runs
// on whatsmeow's event goroutine and must not block.
func WithStateHook(f func(State)) Option { return func(c *Channel) { c.onState = f } }

// Channel is one paired WhatsApp number. It implements channels.Channel.
type Channel struct {
	client   Client
	cfg      Config
	media    channels.Media
	log      *slog.Logger
	clock    Clock
	random   func() float64
	pacer    *Pacer
	lease    Lease
	lids     LIDMap
	contacts Contacts
	onState  func(State)
	own      string // our number, E.164, or ""
	targets  targets

	ctx     context.Context // Start's
	sink    channels.Sink
	handler uint32
	wake    chan struct{}
	done    chan struct{}
	parked  atomic.Int64 // supervisor passes, counted once their timer is set (tests)

	mu          sync.Mutex
	state       State
	held        bool      // we hold the lease
	renewedAt   time.Time // last successful acquire or renew
	forceRenew  bool      // renew at the next pass (stream replaced)
	redialAt    time.Time // no Connect before this
	failures    int       // Connect errors in a row
	bannedUntil time.Time
	kick        bool // drop the socket and redial (keepalive timeouts)
	partial     map[string]progress
}

// New builds the channel over a whatsmeow client (Adapt(session.NewClient())
// in production). media supplies outbound attachments.
func New(client Client, cfg Config, media channels.Media, log *slog.Logger, opts ...Option) *Channel {
	if log == nil {
		log = slog.Default()
	}
	c := &Channel{
		client: client,
		cfg:    cfg.withDefaults(),
		media:  media,
		log:    log,
		clock:  SystemClock{},
		state:  StateConnecting,
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	if c.lids == nil || c.contacts == nil {
		m := NewMemory()
		if c.lids == nil {
			c.lids = m
		}
		if c.contacts == nil {
			c.contacts = m
		}
	}
	c.pacer = NewPacer(c.clock, c.cfg.RateLimit, c.cfg.Jitter, c.cfg.DailyCap, c.random)
	if p, err := channels.NormalizePhone(c.cfg.Phone); err == nil {
		c.own = p
	}
	return c
}

// Name implements channels.Channel.
func (c *Channel) Name() string { return channels.WhatsApp }

// State returns the connection state.
func (c *Channel) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Start registers the event handler and connects in the background: it takes
// the lease (when there is one), dials, redials after drops, renews the lease,
// and on ctx's end disconnects and releases the lease. It returns at once;
// Wait waits for the shutdown. An unpaired session is not an error: State
// says not_paired until `quita whatsapp login` pairs it and quita restarts.
func (c *Channel) Start(ctx context.Context, sink channels.Sink) error {
	if sink == nil {
		return errors.New("whatsapp: Start needs a sink")
	}
	c.mu.Lock()
	if c.sink != nil {
		c.mu.Unlock()
		return errors.New("whatsapp: channel already started")
	}
	c.ctx, c.sink = ctx, sink
	c.mu.Unlock()
	c.handler = c.client.AddEventHandlerWithSuccessStatus(c.handleEvent)
	initial := StateConnecting
	if !c.client.IsPaired() {
		initial = StateNotPaired
		c.log.Error("whatsapp: no paired session; pair this number with `quita whatsapp login` and restart")
	} else if c.lease != nil {
		initial = StateStandby
	}
	c.mu.Lock()
	c.state = initial
	c.mu.Unlock()
	if c.onState != nil { // the metric starts with a value
		c.onState(initial)
	}
	go c.supervise(ctx)
	return nil
}

// Wait blocks until the channel stopped once Start's context ended: the
// socket is closed and the lease released. Without Start it returns at once.
func (c *Channel) Wait() {
	c.mu.Lock()
	started := c.sink != nil
	c.mu.Unlock()
	if started {
		<-c.done
	}
}

func (c *Channel) handleEvent(evt any) bool {
	switch e := evt.(type) {
	case *events.Message:
		return c.handleMessage(e)
	case *events.Receipt:
		c.handleReceipt(e)
	case *events.Connected:
		c.onConnected()
	case *events.Disconnected:
		c.onDisconnected()
	case *events.StreamReplaced:
		c.log.Warn("whatsapp: another connection replaced this session (a second process or tool uses it); taking it back if this process still holds the number",
			"in", streamReplacedDelay)
		c.mu.Lock()
		c.forceRenew = true
		c.redialAt = c.clock.Now().Add(streamReplacedDelay)
		c.mu.Unlock()
		c.setState(StateConnecting)
		c.poke()
	case *events.LoggedOut:
		c.setState(StateLoggedOut)
		c.log.Error("whatsapp: ALERT logged out: WhatsApp unlinked this device; pair the number again with `quita whatsapp login`",
			"reason", e.Reason.String(), "on_connect", e.OnConnect)
		c.poke()
	case *events.TemporaryBan:
		c.ban(e.Expire, "temporary ban: "+e.String())
	case *events.ConnectFailure:
		c.ban(0, fmt.Sprintf("connect failure %s %s", e.Reason, e.Message))
	case *events.ClientOutdated:
		c.log.Error("whatsapp: WhatsApp rejects this client version; upgrade quita (whatsmeow)", "retry_in", c.cfg.BanCooldown)
		c.mu.Lock()
		c.redialAt = c.clock.Now().Add(c.cfg.BanCooldown)
		c.mu.Unlock()
		c.poke()
	case *events.KeepAliveTimeout:
		if e.ErrorCount >= keepAliveKick {
			c.log.Warn("whatsapp: keepalive keeps failing; redialling", "errors", e.ErrorCount)
			c.mu.Lock()
			c.kick = true
			c.mu.Unlock()
			c.poke()
		}
	}
	return true
}

func (c *Channel) onConnected() {
	now := c.clock.Now()
	c.mu.Lock()
	c.failures = 0
	stillBanned := c.state == StateBanned && now.Before(c.bannedUntil)
	unleased := c.lease != nil && !c.held
	c.mu.Unlock()
	if unleased { // a reconnect that raced the loss of the lease
		c.log.Warn("whatsapp: connected without holding the number's lease; disconnecting")
		c.client.Disconnect()
		return
	}
	if !stillBanned {
		c.setState(StateConnected)
		c.log.Info("whatsapp: connected", "phone", channels.MaskPhone(c.own))
	}
	// Typing indicators show only while we are "available".
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	if err := c.client.SendPresence(ctx, types.PresenceAvailable); err != nil {
		c.log.Warn("whatsapp: presence not sent", "err", err)
	}
}

// onDisconnected lets whatsmeow's own reconnect work for ReconnectGrace
// before the supervisor dials.
func (c *Channel) onDisconnected() {
	c.mu.Lock()
	st := c.state
	if st == StateConnected || st == StateConnecting {
		c.redialAt = c.clock.Now().Add(c.cfg.ReconnectGrace)
	}
	c.mu.Unlock()
	if st == StateConnected || st == StateConnecting {
		c.log.Warn("whatsapp: disconnected; reconnecting")
		c.setState(StateConnecting)
		c.poke()
	}
}

// ban marks the number banned until now+expire (the cooldown when expire is
// 0) and raises the alert. Sends fail permanently meanwhile; afterwards the
// supervisor reconnects.
func (c *Channel) ban(expire time.Duration, reason string) {
	if expire <= 0 {
		expire = c.cfg.BanCooldown
	}
	until := c.clock.Now().Add(expire)
	c.mu.Lock()
	c.bannedUntil = until
	c.mu.Unlock()
	c.setState(StateBanned)
	c.log.Error("whatsapp: ALERT number banned or restricted by WhatsApp; sending stopped",
		"reason", reason, "retry_at", until.Format(time.RFC3339))
	c.poke()
}

func (c *Channel) setState(s State) {
	c.mu.Lock()
	old := c.state
	c.state = s
	c.mu.Unlock()
	if old == s {
		return
	}
	c.log.Info("whatsapp: state changed", "old", string(old), "new", string(s))
	if c.onState != nil {
		c.onState(s)
	}
}

// poke wakes the supervisor.
func (c *Channel) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
