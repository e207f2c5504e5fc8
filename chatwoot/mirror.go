package chatwoot

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// expectTTL bounds how long quita waits for the webhook of its own change.
const expectTTL = 10 * time.Minute

// dropAfter is how many syncs in a row may fail on an item Chatwoot refuses
// for good (a 4xx other than 404) before it is skipped, so that one bad
// item never stops the conversation's mirror.
const dropAfter = 5

// Item kinds, in the order items of the same instant are mirrored.
const (
	kindMessage = iota
	kindEvent
	kindJob
)

// item is one thing to mirror: a transcript message, a handoff event or a job.
type item struct {
	kind int
	at   time.Time
	msg  storage.RawMessage
	ev   storage.HandoffEvent
	raw  string
	job  job
}

func (it item) key() string {
	switch it.kind {
	case kindMessage:
		return "m:" + it.msg.Msg.ID
	case kindEvent:
		return "e:" + shortHash(it.raw)
	}
	return "j:" + it.job.ID
}

// sync mirrors what conv has that Chatwoot lacks, in the order it
// happened: transcript messages (from the cursor), handoff transitions
// (after the last one applied) and the webhook side's jobs, merged by time.
func (b *Bridge) sync(ctx context.Context, conv string) error {
	st, err := b.loadState(ctx, conv)
	if err != nil {
		return err
	}
	c, err := b.pipe.Conversation(ctx, conv)
	if err != nil {
		return err
	}
	if b.cfg.Mirror == MirrorAll && !st.Started {
		st.Started = true
		if err := b.save(ctx, conv, "started", "1"); err != nil {
			return err
		}
	}
	events, err := b.newEvents(ctx, conv, st.HLast, c)
	if err != nil {
		return err
	}
	msgs, _, err := b.store.TranscriptFrom(ctx, conv, st.Cursor)
	if err != nil {
		return fmt.Errorf("chatwoot: read the transcript: %w", err)
	}
	jobs, err := b.loadJobs(ctx, conv)
	if err != nil {
		return err
	}
	q := &queue{msgs: msgs, events: events, jobs: jobs}
	for {
		it, ok := q.next(st.Started, st.Conv != 0)
		if !ok {
			break
		}
		if err := b.apply(ctx, conv, &st, c, it, q); err != nil {
			if Retryable(err) || NotFound(err) || st.Fails+1 < dropAfter {
				return err
			}
			// Chatwoot refuses this item for good: skip it, loudly.
			b.fail(ctx, "skipped "+it.key()+" of "+maskConv(conv)+" after "+strconv.FormatInt(st.Fails+1, 10)+" refusals", err)
			if err := b.done(ctx, conv, &st, it); err != nil {
				return err
			}
		}
		q.pop(it)
	}
	if err := b.reportDeliveries(ctx, conv, &st); err != nil {
		return err
	}
	return b.refresh(ctx, conv, &st, c)
}

// queue holds a sync's pending items.
type queue struct {
	msgs   []storage.RawMessage
	events []item
	jobs   []job
}

// next is the earliest pending item. Not started (handoffs mode, no
// handoff yet), only handoff events count: one of them starts mirroring.
func (q *queue) next(started, hasConv bool) (item, bool) {
	var cands []item
	if len(q.events) > 0 {
		cands = append(cands, q.events[0])
	}
	if started && len(q.msgs) > 0 {
		m := q.msgs[0]
		cands = append(cands, item{kind: kindMessage, at: m.Msg.At, msg: m})
	}
	if (started || hasConv) && len(q.jobs) > 0 {
		j := q.jobs[0]
		cands = append(cands, item{kind: kindJob, at: time.UnixMilli(j.At), job: j})
	}
	if len(cands) == 0 {
		return item{}, false
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if !cands[i].at.Equal(cands[j].at) {
			return cands[i].at.Before(cands[j].at)
		}
		return cands[i].kind < cands[j].kind
	})
	return cands[0], true
}

// pop removes it from the queue.
func (q *queue) pop(it item) {
	switch it.kind {
	case kindMessage:
		q.msgs = q.msgs[1:]
	case kindEvent:
		q.events = q.events[1:]
	case kindJob:
		q.jobs = q.jobs[1:]
	}
}

// newEvents are the handoff transitions after last, oldest first. With
// no last (the bridge never saw this conversation), only the current
// handoff's transitions count: history from before the bridge is not
// replayed into Chatwoot.
func (b *Bridge) newEvents(ctx context.Context, conv, last string, c dialogs.Conversation) ([]item, error) {
	raws, err := b.rdb.LRange(ctx, b.store.Keys().HandoffLog(conv), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("chatwoot: read the handoff log: %w", err)
	}
	var out []item
	for _, r := range raws { // newest first
		if r == last {
			break
		}
		var ev storage.HandoffEvent
		if jsonUnmarshal([]byte(r), &ev) != nil {
			continue
		}
		if last == "" && ev.To == dialogs.HandoffNone {
			break // the end of an earlier handoff
		}
		out = append(out, item{kind: kindEvent, at: ev.At, ev: ev, raw: r})
	}
	if last == "" && !c.Handoff.Active() {
		out = nil
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// steps numbers the Chatwoot calls of one item, so that a retry skips the
// ones already made (their effect is recorded in state.Step).
type steps struct {
	b    *Bridge
	conv string
	key  string
	done int
	n    int
}

func (b *Bridge) stepsFor(conv string, st *mirrorState, it item) *steps {
	s := &steps{b: b, conv: conv, key: it.key()}
	if k, n, ok := strings.Cut(st.Step, "|"); ok && k == s.key {
		s.done, _ = strconv.Atoi(n)
	}
	return s
}

// do runs f unless an earlier attempt of this item already did.
func (s *steps) do(ctx context.Context, f func() error) error {
	s.n++
	if s.n <= s.done {
		return nil
	}
	if err := f(); err != nil {
		return err
	}
	return s.b.save(ctx, s.conv, "step", s.key+"|"+strconv.Itoa(s.n))
}

// apply mirrors one item and records it done.
func (b *Bridge) apply(ctx context.Context, conv string, st *mirrorState, c dialogs.Conversation, it item, q *queue) error {
	s := b.stepsFor(conv, st, it)
	var err error
	switch it.kind {
	case kindMessage:
		err = b.mirrorMessage(ctx, conv, st, c, it.msg.Msg, s)
	case kindEvent:
		err = b.mirrorEvent(ctx, conv, st, c, it, q, s)
	case kindJob:
		err = b.mirrorJob(ctx, conv, st, it.job, s)
	}
	if err != nil {
		return err
	}
	return b.done(ctx, conv, st, it)
}

// done records it mirrored and takes it off the queue.
func (b *Bridge) done(ctx context.Context, conv string, st *mirrorState, it item) error {
	st.Step, st.Attempt = "", ""
	switch it.kind {
	case kindMessage:
		st.Cursor = it.msg.Seq + 1
		return b.save(ctx, conv, "cursor", st.Cursor, "step", "", "attempt", "")
	case kindEvent:
		st.HLast = it.raw
		return b.save(ctx, conv, "hlast", it.raw, "step", "", "attempt", "", "started", boolField(st.Started))
	default:
		if err := b.rdb.LPop(ctx, b.keys.jobs(conv)).Err(); err != nil {
			return fmt.Errorf("chatwoot: drop a done job: %w", err)
		}
		return b.save(ctx, conv, "step", "", "attempt", "")
	}
}

func boolField(v bool) string {
	if v {
		return "1"
	}
	return ""
}

// post creates a message once: a post whose answer was lost (st.Attempt
// is its source id) is looked for among the conversation's latest
// messages before it is made again.
func (b *Bridge) post(ctx context.Context, conv string, st *mirrorState, in MessageInput) error {
	if st.Attempt == in.SourceID {
		latest, err := b.api.Messages(ctx, st.Conv)
		if err != nil {
			return b.convGone(ctx, conv, st, err)
		}
		for _, m := range latest {
			if m.SourceID == in.SourceID {
				return nil
			}
		}
	}
	if err := b.save(ctx, conv, "attempt", in.SourceID); err != nil {
		return err
	}
	st.Attempt = in.SourceID
	if _, err := b.api.CreateMessage(ctx, st.Conv, in); err != nil {
		return b.convGone(ctx, conv, st, err)
	}
	return nil
}

// convGone forgets a Chatwoot conversation that answers 404 (deleted
// there): the next sync opens a new one.
func (b *Bridge) convGone(ctx context.Context, conv string, st *mirrorState, err error) error {
	if NotFound(err) && st.Conv != 0 {
		b.log.Warn("chatwoot: the conversation is gone from Chatwoot; opening a new one", "conv", maskConv(conv), "chatwoot", st.Conv)
		st.Conv = 0
		_ = b.save(ctx, conv, "conv", 0, "step", "", "attempt", "")
	}
	return err
}

// sourceID is the source_id quita gives what it posts: Chatwoot keeps it
// on the message and sends it back in the message_created webhook, which
// is how quita recognises its own messages.
func sourceID(kind, id string) string { return "quita:" + kind + ":" + id }

// IsQuitaSourceID reports whether a message's source_id is one quita gave.
func IsQuitaSourceID(s string) bool { return strings.HasPrefix(s, "quita:") }

// mirrorMessage posts one transcript message.
func (b *Bridge) mirrorMessage(ctx context.Context, conv string, st *mirrorState, c dialogs.Conversation, m storage.Message, s *steps) error {
	if strings.HasPrefix(m.ID, replyIDPrefix) {
		// An agent wrote it in Chatwoot: it is there already; follow its
		// delivery so that the agent sees it delivered, read or failed.
		return b.save(ctx, conv, trackPrefix+m.ID, "")
	}
	in := MessageInput{SourceID: sourceID("m", m.ID), EchoID: m.ID, ContentAttributes: map[string]any{"quita_message_id": m.ID}}
	switch {
	case m.Private:
		in.MessageType, in.Private, in.Content = Outgoing, true, "Nota de "+m.Author+" no console do quita: "+m.Text
	case m.Direction == storage.In:
		in.MessageType, in.Content = Incoming, m.Text
	default:
		in.MessageType, in.Content = Outgoing, m.Text
		if m.Author != "" {
			in.ContentAttributes["quita_author"] = m.Author
		}
	}
	for _, a := range m.Attachments {
		if a.MediaID == "" {
			in.Content = strings.TrimSpace(in.Content + "\n[anexo: " + strings.TrimSpace(a.Kind+" "+a.Filename) + "]")
			continue
		}
		f, err := b.store.GetMedia(ctx, a.MediaID)
		if err != nil {
			in.Content = strings.TrimSpace(in.Content + "\n[anexo expirado: " + a.Filename + "]")
			continue
		}
		in.Files = append(in.Files, File{Name: firstNonEmpty(a.Filename, f.Filename, "anexo"), ContentType: firstNonEmpty(a.ContentType, f.ContentType), Data: f.Data})
	}
	if in.Content == "" && len(in.Files) == 0 {
		return nil
	}
	if err := s.do(ctx, func() error { return b.ensureConversation(ctx, conv, st, c) }); err != nil {
		return err
	}
	// Mirroring everything, the conversations the bot handles wait as
	// "pending"; an incoming message would reopen a resolved one for agents
	// (Message#reopen_conversation) while the bot is answering it.
	if in.MessageType == Incoming && !in.Private && !c.Handoff.Active() && st.Status == StatusResolved {
		if err := s.do(ctx, func() error { return b.setStatus(ctx, conv, st, StatusPending) }); err != nil {
			return err
		}
	}
	return s.do(ctx, func() error { return b.post(ctx, conv, st, in) })
}

// mirrorJob carries out one job of the webhook side.
func (b *Bridge) mirrorJob(ctx context.Context, conv string, st *mirrorState, j job, s *steps) error {
	if st.Conv == 0 {
		return nil
	}
	switch j.Kind {
	case "note":
		return s.do(ctx, func() error {
			return b.post(ctx, conv, st, MessageInput{MessageType: Outgoing, Private: true, Content: j.Text, SourceID: sourceID("j", j.ID)})
		})
	case "fail":
		return s.do(ctx, func() error {
			return b.convGone(ctx, conv, st, b.api.UpdateMessageStatus(ctx, st.Conv, j.Message, "failed", j.Text))
		})
	}
	return nil
}

// setStatus changes the Chatwoot conversation's status, expecting its webhook.
func (b *Bridge) setStatus(ctx context.Context, conv string, st *mirrorState, status string) error {
	if err := b.expectChange(ctx, conv, "status", status); err != nil {
		return err
	}
	if err := b.api.ToggleStatus(ctx, st.Conv, status); err != nil {
		return b.convGone(ctx, conv, st, err)
	}
	st.Status = status
	return b.save(ctx, conv, "status", status)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
