package console

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// QueueItem is one conversation waiting for, or held by, a person.
type QueueItem struct {
	ID         string        `json:"id"`
	Channel    string        `json:"channel,omitempty"`
	Status     string        `json:"status"`
	Reason     string        `json:"reason,omitempty"`
	Priority   int           `json:"priority"`
	Agent      string        `json:"agent,omitempty"`
	Holder     string        `json:"holder,omitempty"` // HolderLabel(Agent): "held in Chatwoot by NAME" for a Chatwoot agent
	Since      time.Time     `json:"since"`
	Waiting    time.Duration `json:"-"`
	WaitingSec int64         `json:"waiting_seconds"`
	DebtorName string        `json:"debtor_name,omitempty"`
	Debts      int           `json:"debts"`      // open, in agreement or disputed
	OwedCents  int64         `json:"owed_cents"` // their amounts
	Disputed   int           `json:"disputed"`   // of them, in dispute (suspended, still owed)
	LastText   string        `json:"last_text,omitempty"`
	LastAt     time.Time     `json:"last_at,omitzero"`
}

// Queue is what one principal may see of the queue.
type Queue struct {
	Waiting []QueueItem `json:"waiting"`      // queued, most urgent first
	Mine    []QueueItem `json:"mine"`         // held by the caller
	Others  []QueueItem `json:"others"`       // held by other agents (admins only)
	Now     time.Time   `json:"generated_at"` //
}

// visible reports whether p may read a conversation: admins all; agents the
// queued ones and their own.
func visible(p principal, c dialogs.Conversation) bool {
	if p.admin() {
		return true
	}
	switch c.Handoff.Status {
	case dialogs.HandoffQueued:
		return true
	case dialogs.HandoffAssigned:
		return c.Handoff.Agent == p.Email
	}
	return false
}

func (c *Console) queue(ctx context.Context, p principal) (Queue, error) {
	now := c.h.Now()
	q := Queue{Waiting: []QueueItem{}, Mine: []QueueItem{}, Others: []QueueItem{}, Now: now}
	waiting, err := c.store.HandoffQueued(ctx, 200)
	if err != nil {
		return q, err
	}
	held, err := c.store.HandoffHeld(ctx, 500)
	if err != nil {
		return q, err
	}
	for _, id := range append(waiting, held...) {
		conv, err := c.opts.Bot.Conversation(ctx, id)
		if err != nil {
			return q, err
		}
		if !visible(p, conv) || !conv.Handoff.Active() {
			continue
		}
		it, err := c.item(ctx, conv, now)
		if err != nil {
			return q, err
		}
		switch {
		case conv.Handoff.Status == dialogs.HandoffQueued:
			q.Waiting = append(q.Waiting, it)
		case conv.Handoff.Agent == p.Email:
			q.Mine = append(q.Mine, it)
		default:
			q.Others = append(q.Others, it)
		}
	}
	sort.SliceStable(q.Mine, func(i, j int) bool { return q.Mine[i].LastAt.After(q.Mine[j].LastAt) })
	return q, nil
}

func (c *Console) item(ctx context.Context, conv dialogs.Conversation, now time.Time) (QueueItem, error) {
	it := QueueItem{ID: conv.ID, Channel: conv.Channel, Status: conv.Handoff.Status, Reason: conv.Handoff.Reason,
		Priority: conv.Handoff.Priority, Agent: conv.Handoff.Agent, Since: conv.Handoff.Since}
	if conv.Handoff.Agent != "" {
		it.Holder = HolderLabel(conv.Handoff.Agent)
	}
	if !it.Since.IsZero() {
		it.Waiting = now.Sub(it.Since).Truncate(time.Second)
		it.WaitingSec = int64(it.Waiting.Seconds())
	}
	debtor, debts, err := c.debtor(ctx, conv)
	if err != nil {
		return it, err
	}
	if debtor != nil {
		it.DebtorName = debtor.Name
	}
	// A dispute suspends the debt but settles nothing: it is what the agent
	// of a dispute has to look at, so it counts (only paid debts do not).
	for _, d := range debts {
		switch d.Status {
		case dialogs.DebtDisputed:
			it.Disputed++
			fallthrough
		case dialogs.DebtOpen, dialogs.DebtAgreement, "":
			it.Debts++
			it.OwedCents += d.AmountCents
		}
	}
	msgs, err := c.store.Transcript(ctx, conv.ID, 20)
	if err != nil {
		return it, err
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if !msgs[i].Private {
			it.LastText, it.LastAt = clip(msgs[i].Text, 140), msgs[i].At
			break
		}
	}
	return it, nil
}

// debtor finds the person and debts behind a conversation (nil when unknown).
func (c *Console) debtor(ctx context.Context, conv dialogs.Conversation) (*dialogs.Debtor, []dialogs.Debt, error) {
	var d dialogs.Debtor
	var err error
	if conv.DebtorID != "" {
		d, err = c.store.Debtor(ctx, conv.DebtorID)
	} else {
		d, err = c.store.DebtorByPhone(ctx, conv.Phone)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	debts, err := c.store.DebtsOf(ctx, d.ID)
	if err != nil {
		return nil, nil, err
	}
	return &d, debts, nil
}

// ConversationView is everything the console shows about one conversation.
type ConversationView struct {
	Conversation dialogs.Conversation   `json:"conversation"`
	Debtor       *dialogs.Debtor        `json:"debtor,omitempty"`
	Debts        []dialogs.Debt         `json:"debts"`
	Charges      []storage.ChargeRecord `json:"charges"` // of those debts, oldest first: provider, id, state
	Transcript   []storage.Message      `json:"transcript"`
	Handoffs     []storage.HandoffEvent `json:"handoff_history"`
	Contacts     Contacts               `json:"contacts"`
	Mine         bool                   `json:"mine"`     // the caller holds it
	Queued       bool                   `json:"queued"`   // waiting for someone
	Waiting      time.Duration          `json:"-"`        //
	IdleLimit    time.Duration          `json:"-"`        //
	Language     string                 `json:"language"` // for canned responses
}

// Contacts summarises the transcript: the history of contacts.
type Contacts struct {
	Inbound  int       `json:"inbound"`
	Bot      int       `json:"bot"`
	Agent    int       `json:"agent"`
	Reminder int       `json:"reminders"`
	Notes    int       `json:"notes"`
	Failed   int       `json:"failed"`
	First    time.Time `json:"first,omitzero"`
	Last     time.Time `json:"last,omitzero"`
}

var errForbidden = errors.New("you may not see this conversation: it is neither queued nor yours")

func (c *Console) view(ctx context.Context, p principal, id string) (ConversationView, error) {
	conv, err := c.opts.Bot.Conversation(ctx, id)
	if err != nil {
		return ConversationView{}, err
	}
	if !visible(p, conv) {
		return ConversationView{}, errForbidden
	}
	v := ConversationView{Conversation: conv, Mine: conv.Handoff.Status == dialogs.HandoffAssigned && conv.Handoff.Agent == p.Email,
		Queued: conv.Handoff.Status == dialogs.HandoffQueued, IdleLimit: c.h.IdleFor(conv.CreditorID), Language: conv.Language}
	if !conv.Handoff.Since.IsZero() {
		v.Waiting = c.h.Now().Sub(conv.Handoff.Since).Truncate(time.Second)
	}
	if v.Debtor, v.Debts, err = c.debtor(ctx, conv); err != nil {
		return v, err
	}
	if v.Language == "" && v.Debtor != nil {
		v.Language = v.Debtor.Language
	}
	v.Charges = []storage.ChargeRecord{}
	for _, d := range v.Debts {
		cs, err := c.store.DebtCharges(ctx, d.ID)
		if err != nil {
			return v, err
		}
		v.Charges = append(v.Charges, cs...)
	}
	if v.Transcript, err = c.store.Transcript(ctx, id, 500); err != nil {
		return v, err
	}
	if v.Handoffs, err = c.store.HandoffHistory(ctx, id); err != nil {
		return v, err
	}
	for _, m := range v.Transcript {
		switch {
		case m.Private:
			v.Contacts.Notes++
			continue
		case m.Direction == storage.In:
			v.Contacts.Inbound++
		case m.Origin == "agent":
			v.Contacts.Agent++
		case m.Origin == "reminder":
			v.Contacts.Reminder++
		default:
			v.Contacts.Bot++
		}
		if m.Status == "failed" || m.Status == "undelivered" || m.Status == "blocked" {
			v.Contacts.Failed++
		}
		if v.Contacts.First.IsZero() {
			v.Contacts.First = m.At
		}
		v.Contacts.Last = m.At
	}
	if v.Debts == nil {
		v.Debts = []dialogs.Debt{}
	}
	if v.Transcript == nil {
		v.Transcript = []storage.Message{}
	}
	return v, nil
}

// pickDebt is the debt a document is for: the one asked for, else the one
// under discussion, else the oldest open one.
func pickDebt(v ConversationView, id string) (dialogs.Debt, bool) {
	if id == "" {
		id = v.Conversation.DebtID
	}
	var open []dialogs.Debt
	for _, d := range v.Debts {
		if id != "" && d.ID == id {
			return d, true
		}
		if d.Status == dialogs.DebtOpen || d.Status == "" {
			open = append(open, d)
		}
	}
	if len(open) == 0 {
		return dialogs.Debt{}, false
	}
	sort.Slice(open, func(i, j int) bool { return open[i].DueDate < open[j].DueDate })
	return open[0], true
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
