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
type hub struct {
	store   *storage.Store
	log     *slog.Logger
	mu      sync.Mutex
	clients map[*client]struct{}
	done    chan struct{}
}

type client struct {
	ch chan event
}

func newHub(st *storage.Store, log *slog.Logger) *hub {
	return &hub{store: st, log: log, clients: map[*client]struct{}{}, done: make(chan struct{})}
}

// run subscribes to conversation changes and handoff transitions until ctx
// ends, resubscribing after Redis errors; then it ends every stream.
func (h *hub) run(ctx context.Context) {
	defer close(h.done)
	k := h.store.Keys()
	for ctx.Err() == nil {
		sub := h.store.Redis().Subscribe(ctx, k.Events(), k.HandoffEvents())
		ch := sub.Channel()
	read:
		for {
			select {
			case <-ctx.Done():
				break read
			case m, ok := <-ch:
				if !ok {
					break read
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
		sub.Close()
		if ctx.Err() == nil {
			h.log.Warn("console live updates: subscription ended; resubscribing")
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
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

func (h *hub) add() *client {
	cl := &client{ch: make(chan event, 64)}
	h.mu.Lock()
	h.clients[cl] = struct{}{}
	h.mu.Unlock()
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
