package console

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// event is one live update: a handoff transition or "conversation changed".
type event struct {
	Kind         string                `json:"kind"` // handoff | conversation
	Conversation string                `json:"conversation"`
	Handoff      *storage.HandoffEvent `json:"handoff,omitempty"`
}

// hub fans one Redis subscription per process out to the open SSE streams.
// It subscribes only while a stream is open: with no console watching, the
// pipeline's change notifications are not read at all (they are two per
// message, a measurable share of a busy process's system calls).
type hub struct {
	store   *storage.Store
	log     *slog.Logger
	mu      sync.Mutex
	clients map[*client]struct{}
	wake    chan struct{} // a client arrived
	ready   chan struct{} // closed while subscribed
	done    chan struct{}
	// idleAfter is how long the hub stays subscribed with no stream open
	// (a console page reload should not cost a resubscription).
	idleAfter time.Duration
}

type client struct {
	ch chan event
}

func newHub(st *storage.Store, log *slog.Logger) *hub {
	return &hub{store: st, log: log, clients: map[*client]struct{}{}, wake: make(chan struct{}, 1),
		ready: make(chan struct{}), done: make(chan struct{}), idleAfter: 30 * time.Second}
}

// run subscribes to conversation changes and handoff transitions while
// streams are open, until ctx ends, resubscribing after Redis errors; then
// it ends every stream.
func (h *hub) run(ctx context.Context) {
	defer close(h.done)
	k := h.store.Keys()
	for ctx.Err() == nil {
		if h.count() == 0 {
			select {
			case <-ctx.Done():
				return
			case <-h.wake:
				continue
			}
		}
		sub := h.store.Redis().Subscribe(ctx, k.Events(), k.HandoffEvents())
		if _, err := sub.Receive(ctx); err != nil { // the subscription is in place before streams are told so
			sub.Close()
			if ctx.Err() == nil {
				h.log.Warn("console live updates: subscribe failed; retrying", "err", err)
				sleepCtx(ctx, time.Second)
			}
			continue
		}
		h.mu.Lock()
		close(h.ready)
		h.mu.Unlock()
		idle := h.read(ctx, sub.Channel())
		if !idle {
			h.mu.Lock()
			h.ready = make(chan struct{})
			h.mu.Unlock()
		}
		sub.Close()
		if !idle && ctx.Err() == nil {
			h.log.Warn("console live updates: subscription ended; resubscribing")
			sleepCtx(ctx, time.Second)
		}
	}
}

// read forwards messages until ctx ends, the subscription breaks (false),
// or no stream was open for idleAfter (true).
func (h *hub) read(ctx context.Context, ch <-chan *redis.Message) (idle bool) {
	k := h.store.Keys()
	check := time.NewTicker(h.idleAfter / 2)
	defer check.Stop()
	emptyChecks := 0
	for {
		select {
		case <-ctx.Done():
			return false
		case <-check.C:
			h.mu.Lock()
			if len(h.clients) > 0 {
				emptyChecks = 0
			} else if emptyChecks++; emptyChecks >= 2 {
				h.ready = make(chan struct{}) // under the lock: a stream opening now waits for the next subscription
				h.mu.Unlock()
				return true
			}
			h.mu.Unlock()
		case m, ok := <-ch:
			if !ok {
				return false
			}
			ev := event{Kind: "conversation", Conversation: m.Payload}
			if m.Channel == k.HandoffEvents() {
				var he storage.HandoffEvent
				if json.Unmarshal([]byte(m.Payload), &he) != nil {
					continue
				}
				ev = event{Kind: "handoff", Conversation: he.Conversation, Handoff: &he}
			}
			h.broadcast(ev)
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

func (h *hub) broadcast(ev event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cl := range h.clients {
		select {
		case cl.ch <- ev:
		default: // a slow client misses an update; its next refresh catches up
		}
	}
}

// add opens a stream and waits (briefly) until the hub is subscribed, so
// that the stream's "ready" means no later change is missed.
func (h *hub) add() *client {
	cl := &client{ch: make(chan event, 64)}
	h.mu.Lock()
	h.clients[cl] = struct{}{}
	ready := h.ready
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
	select {
	case <-ready:
	case <-h.done:
	case <-time.After(2 * time.Second): // Redis is down: the stream opens and catches up when it is back
	}
	return cl
}

func (h *hub) remove(cl *client) {
	h.mu.Lock()
	delete(h.clients, cl)
	h.mu.Unlock()
}

// allowed decides whether p may hear about an event without revealing
// conversations an agent may not see.
func (c *Console) allowed(ctx context.Context, p principal, ev event) bool {
	if p.admin() {
		return true
	}
	if he := ev.Handoff; he != nil {
		if he.To == dialogs.HandoffQueued || he.Agent == p.Email {
			return true
		}
	}
	conv, err := c.opts.Bot.Conversation(ctx, ev.Conversation)
	return err == nil && visible(p, conv)
}

// stream answers with a text/event-stream of the events p may see: "handoff"
// events (JSON storage.HandoffEvent) and "conversation" events (the id),
// with a comment every 15 s to keep proxies from closing it. only, when
// set, limits conversation events to one conversation.
func (c *Console) stream(ctx *fiber.Ctx, p principal, only string) error {
	ctx.Set(fiber.HeaderContentType, "text/event-stream")
	ctx.Set(fiber.HeaderCacheControl, "no-cache")
	ctx.Set(fiber.HeaderConnection, "keep-alive")
	ctx.Set("X-Accel-Buffering", "no")
	rctx := context.WithoutCancel(ctx.UserContext())
	ctx.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		cl := c.hub.add()
		defer c.hub.remove(cl)
		ping := time.NewTicker(15 * time.Second)
		defer ping.Stop()
		fmt.Fprint(w, "retry: 2000\nevent: ready\ndata: {}\n\n")
		if w.Flush() != nil {
			return
		}
		for {
			select {
			case <-c.hub.done:
				return
			case <-ping.C:
				fmt.Fprint(w, ": ping\n\n")
			case ev := <-cl.ch:
				if ev.Kind == "conversation" && only != "" && ev.Conversation != only {
					continue
				}
				if !c.allowed(rctx, p, ev) {
					continue
				}
				body, _ := json.Marshal(ev)
				fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Kind, body)
			}
			if w.Flush() != nil {
				return
			}
		}
	})
	return nil
}

func (c *Console) pageEvents(ctx *fiber.Ctx) error {
	return c.stream(ctx, c.user(ctx), ctx.Query("conv"))
}

func (c *Console) apiEvents(ctx *fiber.Ctx) error {
	return c.stream(ctx, c.user(ctx), ctx.Query("conversation"))
}
