package storage

import (
	"context"
	"strconv"
	"sync"

	"github.com/redis/go-redis/v9"
)

// acceptScript dedupes each message by provider id, appends it to its
// conversation's inbox and notifies the workers; per message either all
// three happen or none. KEYS: the inbound stream, then dedupe key and
// inbox per message; ARGV: dedupe TTL ("" for none), body and
// conversation per message. It answers 1 (accepted) or 0 (duplicate) each.
var acceptScript = redis.NewScript(`
local out = {}
for i = 1, (#KEYS - 1) / 2 do
  local a = 3 * i - 2
  if ARGV[a] ~= '' and not redis.call('SET', KEYS[2 * i], '1', 'NX', 'PX', ARGV[a]) then
    out[i] = 0
  else
    redis.call('RPUSH', KEYS[2 * i + 1], ARGV[a + 1])
    redis.call('XADD', KEYS[1], '*', 'c', ARGV[a + 2])
    out[i] = 1
  end
end
return out`)

// maxAcceptGroup bounds one script run (and the Redis time it holds).
const maxAcceptGroup = 64

// acceptGroup commits concurrent accepts in one script run and round trip
// (group commit). The first caller leads: it runs every accept queued so
// far, its own included, and hands the lead to the oldest accept queued
// meanwhile. A lone webhook thus costs one round trip, as before, and
// under load the webhooks arriving during a round trip share the next
// one, instead of each paying its own system calls and script run.
type acceptGroup struct {
	mu      sync.Mutex
	queue   []*acceptReq
	leading bool
	observe func(size int) // each group's size, for metrics (nil: none)
}

// ObserveAcceptGroups reports the size of every group of accepts committed
// together (metrics); call it before the store serves.
func (s *Store) ObserveAcceptGroups(f func(size int)) { s.accepts.observe = f }

type acceptReq struct {
	msg  Message
	body []byte
	err  error
	// wake says false when the request was committed (err set), true
	// when its caller is to lead the next group.
	wake chan bool
}

func (g *acceptGroup) accept(ctx context.Context, s *Store, r *acceptReq) error {
	r.wake = make(chan bool, 1)
	g.mu.Lock()
	g.queue = append(g.queue, r)
	if g.leading {
		g.mu.Unlock()
		if lead := <-r.wake; !lead {
			return r.err
		}
	} else {
		g.leading = true
		g.mu.Unlock()
	}
	// Leading: commit the queue's head (which holds r), then pass the lead on.
	// The group outlives a caller that gives up: others wait on it.
	ctx = context.WithoutCancel(ctx)
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxAcceptGroup)
		group := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		s.acceptMany(ctx, group)
		if g.observe != nil {
			g.observe(len(group))
		}
		mine := false
		for _, q := range group {
			if q == r {
				mine = true
			} else {
				q.wake <- false
			}
		}
		g.mu.Lock()
		switch {
		case !mine: // r was beyond the first group: lead again
			g.mu.Unlock()
			continue
		case len(g.queue) > 0:
			g.queue[0].wake <- true
		default:
			g.leading = false
		}
		g.mu.Unlock()
		return r.err
	}
}

// acceptMany runs acceptScript for a group and sets each request's err.
func (s *Store) acceptMany(ctx context.Context, group []*acceptReq) {
	keys := make([]string, 0, 1+2*len(group))
	args := make([]any, 0, 3*len(group))
	keys = append(keys, s.keys.Inbound())
	ttl := strconv.FormatInt(DedupeTTL.Milliseconds(), 10)
	for _, r := range group {
		keys = append(keys, s.keys.Dedupe(r.msg.Channel, r.msg.ProviderID), s.keys.Inbox(r.msg.Conversation))
		if r.msg.ProviderID == "" {
			args = append(args, "", r.body, r.msg.Conversation)
		} else {
			args = append(args, ttl, r.body, r.msg.Conversation)
		}
	}
	res, err := s.runBatch(ctx, acceptScript, keys, args, len(group), 1, "accept inbound")
	for i, r := range group {
		switch {
		case err != nil:
			r.err = err
		case res[i] == int64(0):
			r.err = ErrDuplicate
		}
	}
}
