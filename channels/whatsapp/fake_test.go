package whatsapp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/quita-bot/quita/channels"
)

// t0 is the fake clock's start.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fakeClock is a Clock whose time moves only by Advance; timers fire inside Advance.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeTimer
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeTimer{at: c.now.Add(d), ch: ch})
	return ch
}

// Advance moves time by d and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			keep = append(keep, w)
		} else {
			w.ch <- c.now
		}
	}
	c.waiters = keep
}

// pending returns the durations from now of the timers not yet fired, shortest first.
func (c *fakeClock) pending() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ds []time.Duration
	for _, w := range c.waiters {
		ds = append(ds, w.at.Sub(c.now))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds
}

// waitFor polls cond until it holds, failing the test after a deadline.
// It synchronises with goroutines; it is not a sleep standing in for one.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

type sentMsg struct {
	to  types.JID
	msg *waE2E.Message
}

type uploadCall struct {
	data []byte
	mt   whatsmeow.MediaType
}

type readCall struct {
	ids          []types.MessageID
	at           time.Time
	chat, sender types.JID
}

type chatPresence struct {
	jid   types.JID
	state types.ChatPresence
}

// fakeClient stands in for *whatsmeow.Client.
type fakeClient struct {
	mu            sync.Mutex
	paired        bool
	connected     bool
	connectErr    error
	connects      int
	disconnects   int
	handler       whatsmeow.EventHandlerWithSuccessStatus
	sent          []sentMsg
	sendErr       error
	uploads       []uploadCall
	reads         []readCall
	presences     []types.Presence
	chatPresences []chatPresence
	onWhatsApp    map[string]types.JID // phone → JID; absent: not on WhatsApp
	isOnCalls     int
	lidPN         map[types.JID]types.JID
	nextID        int
}

func newFakeClient() *fakeClient {
	return &fakeClient{paired: true, onWhatsApp: map[string]types.JID{}, lidPN: map[types.JID]types.JID{}}
}

func (f *fakeClient) Connect() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.connects++
	if f.connectErr != nil {
		return f.connectErr
	}
	f.connected = true
	return nil
}

func (f *fakeClient) Disconnect() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.disconnects++
	f.connected = false
}

func (f *fakeClient) IsConnected() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.connected
}

func (f *fakeClient) IsPaired() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.paired
}

func (f *fakeClient) AddEventHandlerWithSuccessStatus(h whatsmeow.EventHandlerWithSuccessStatus) uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handler = h
	return 1
}

func (f *fakeClient) RemoveEventHandler(uint32) bool { return true }

// emit delivers an event as whatsmeow would, returning the handler's success status.
func (f *fakeClient) emit(evt any) bool {
	f.mu.Lock()
	h := f.handler
	f.mu.Unlock()
	return h(evt)
}

func (f *fakeClient) SendMessage(_ context.Context, to types.JID, msg *waE2E.Message, _ ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sendErr != nil {
		return whatsmeow.SendResponse{}, f.sendErr
	}
	f.nextID++
	f.sent = append(f.sent, sentMsg{to: to, msg: msg})
	return whatsmeow.SendResponse{ID: types.MessageID("3EB0SENT" + string(rune('0'+f.nextID))), Timestamp: t0}, nil
}

func (f *fakeClient) Upload(_ context.Context, data []byte, mt whatsmeow.MediaType) (whatsmeow.UploadResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.uploads = append(f.uploads, uploadCall{data: data, mt: mt})
	return whatsmeow.UploadResponse{
		URL:           "https://mmg.whatsapp.net/v/t62/" + string(mt),
		DirectPath:    "/v/t62/" + string(mt),
		MediaKey:      []byte("media-key"),
		FileEncSHA256: []byte("enc-sha"),
		FileSHA256:    []byte("sha"),
		FileLength:    uint64(len(data)),
	}, nil
}

func (f *fakeClient) MarkRead(_ context.Context, ids []types.MessageID, at time.Time, chat, sender types.JID, _ ...types.ReceiptType) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads = append(f.reads, readCall{ids: ids, at: at, chat: chat, sender: sender})
	return nil
}

func (f *fakeClient) SendPresence(_ context.Context, state types.Presence) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.presences = append(f.presences, state)
	return nil
}

func (f *fakeClient) SendChatPresence(_ context.Context, jid types.JID, state types.ChatPresence, _ types.ChatPresenceMedia) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chatPresences = append(f.chatPresences, chatPresence{jid: jid, state: state})
	return nil
}

func (f *fakeClient) IsOnWhatsApp(_ context.Context, phones []string) ([]types.IsOnWhatsAppResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.isOnCalls++
	var out []types.IsOnWhatsAppResponse
	for _, p := range phones {
		jid, ok := f.onWhatsApp[p]
		out = append(out, types.IsOnWhatsAppResponse{Query: p, JID: jid, IsIn: ok})
	}
	return out, nil
}

func (f *fakeClient) PNForLID(_ context.Context, lid types.JID) (types.JID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lidPN[lid], nil
}

// snapshot reads a field under the fake's lock.
func snapshot[T any](f *fakeClient, get func(*fakeClient) T) T {
	f.mu.Lock()
	defer f.mu.Unlock()
	return get(f)
}

// fakeSink records what the channel hands over; acceptErr makes Accept fail.
type fakeSink struct {
	mu            sync.Mutex
	acceptErr     error
	accepted      []channels.Inbound
	attempts      int
	readsAtAccept []int // how many read receipts the client had sent when Accept ran
	client        *fakeClient
	statuses      []channels.StatusUpdate
}

func (s *fakeSink) Accept(_ context.Context, in channels.Inbound) error {
	reads := snapshot(s.client, func(f *fakeClient) int { return len(f.reads) })
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	s.readsAtAccept = append(s.readsAtAccept, reads)
	if s.acceptErr != nil {
		return s.acceptErr
	}
	s.accepted = append(s.accepted, in)
	return nil
}

func (s *fakeSink) UpdateStatus(_ context.Context, st channels.StatusUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statuses = append(s.statuses, st)
	return nil
}

// fakeMedia serves outbound media from a map.
type fakeMedia map[string]channels.MediaFile

func (m fakeMedia) Open(_ context.Context, id string) (channels.MediaFile, error) {
	f, ok := m[id]
	if !ok {
		return f, errors.New("no such media")
	}
	return f, nil
}

func (m fakeMedia) URL(id string) string { return "https://quita.example/media/" + id }

// fakeLease is a Lease the test steers.
type fakeLease struct {
	mu                           sync.Mutex
	free                         bool // Acquire succeeds
	keep                         bool // Renew succeeds
	renewErr                     error
	acquires, renewals, releases int
}

func (l *fakeLease) Acquire(context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acquires++
	return l.free, nil
}

func (l *fakeLease) Renew(context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.renewals++
	return l.keep, l.renewErr
}

func (l *fakeLease) Release(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.releases++
	return nil
}

func (l *fakeLease) TTL() time.Duration { return 30 * time.Second }

func (l *fakeLease) set(f func(*fakeLease)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(l)
}

func (l *fakeLease) get() fakeLease {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fakeLease{free: l.free, keep: l.keep, acquires: l.acquires, renewals: l.renewals, releases: l.releases}
}

// Our own number and debtors used across tests.
const ourPhone = "+5511900000000"

var (
	ourJID    = types.NewJID("5511900000000", types.DefaultUserServer)
	debtorJID = types.NewJID("5511987650001", types.DefaultUserServer)
	debtor    = "+5511987650001"
)

type harness struct {
	c      *Channel
	client *fakeClient
	sink   *fakeSink
	clock  *fakeClock
	states chan State
	cancel context.CancelFunc
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// start builds a channel over fakes with pacing off (unless cfg sets it),
// starts it and waits for its first supervisor pass.
func start(t *testing.T, cfg Config, client *fakeClient, opts ...Option) *harness {
	t.Helper()
	if cfg.Phone == "" {
		cfg.Phone = ourPhone
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = -1
	}
	h := &harness{client: client, clock: newFakeClock(), states: make(chan State, 64)}
	h.sink = &fakeSink{client: client}
	media := fakeMedia{
		"boleto-1": {ContentType: "application/pdf", Filename: "boleto-123.pdf", Data: []byte("%PDF-1.4 boleto")},
		"pix-1":    {ContentType: "image/png", Filename: "pix.png", Data: []byte("\x89PNG pix")},
	}
	opts = append([]Option{WithClock(h.clock), WithRandom(func() float64 { return 0.5 }),
		WithStateHook(func(s State) { h.states <- s })}, opts...)
	h.c = New(client, cfg, media, quietLog(), opts...)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	if err := h.c.Start(ctx, h.sink); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); h.c.Wait() })
	h.settle(t, 0)
	return h
}

// settle waits until the supervisor has parked more than n times, i.e. has
// finished the pass that an event or a timer started and set its next timer.
func (h *harness) settle(t *testing.T, n int64) {
	t.Helper()
	waitFor(t, "the supervisor to park", func() bool { return h.c.parked.Load() > n })
}

// step runs fn (which pokes the supervisor) and waits for the resulting pass.
func (h *harness) step(t *testing.T, fn func()) {
	t.Helper()
	n := h.c.parked.Load()
	fn()
	h.settle(t, n)
}

// connected starts a channel and brings it to StateConnected.
func connected(t *testing.T, cfg Config, opts ...Option) *harness {
	t.Helper()
	h := start(t, cfg, newFakeClient(), opts...)
	h.client.emit(&events.Connected{})
	if got := h.c.State(); got != StateConnected {
		t.Fatalf("state %s, want connected", got)
	}
	return h
}
