package chatwoottest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/quita-bot/quita/chatwoot"
)

// SetWebhook points the fake's webhook at url, signed with secret (the
// API inbox's webhook_url and its secret, PR #13892).
func (s *Server) SetWebhook(url, secret string) {
	s.mu.Lock()
	s.webhookURL, s.webhookSecret = url, secret
	s.mu.Unlock()
}

// Deliveries returns the webhook calls made so far, in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, 0, len(s.deliveries))
	for _, d := range s.deliveries {
		out = append(out, *d)
	}
	return out
}

// Delivered reports whether every queued delivery has been answered.
func (s *Server) Delivered() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.deliveries {
		if d.Status == 0 {
			return false
		}
	}
	return true
}

func newDeliveryID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// enqueue queues one webhook; deliveries go out in order.
func (s *Server) enqueue(ev pendingEvent) {
	body, _ := json.Marshal(ev.body)
	d := &Delivery{ID: newDeliveryID(), Event: ev.name, Body: body}
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.mu.Unlock()
	s.queue <- d
}

func (s *Server) deliverLoop() {
	for {
		select {
		case <-s.done:
			return
		case d := <-s.queue:
			status, err := s.post(d.ID, d.Body, "")
			s.mu.Lock()
			d.Status = status
			if err != nil {
				d.Status, d.Err = -1, err.Error()
			}
			s.mu.Unlock()
			s.notify()
		}
	}
}

// post sends one signed delivery now (forgedSignature replaces the signature).
func (s *Server) post(id string, body []byte, forgedSignature string) (int, error) {
	s.mu.Lock()
	url, secret := s.webhookURL, s.webhookSecret
	now := s.now()
	s.mu.Unlock()
	if url == "" {
		return http.StatusServiceUnavailable, fmt.Errorf("no webhook url set")
	}
	return s.postAt(url, secret, id, body, now.Unix(), forgedSignature)
}

func (s *Server) postAt(url, secret, id string, body []byte, ts int64, forgedSignature string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	sig := chatwoot.Sign(secret, ts, body)
	if forgedSignature != "" {
		sig = forgedSignature
	}
	req.Header.Set(chatwoot.SignatureHeader, sig)
	req.Header.Set(chatwoot.TimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(chatwoot.DeliveryHeader, id)
	resp, err := s.httpClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// Redeliver sends a delivery again now, with its delivery id (a Sidekiq
// retry) or with a fresh one (sameID false: the same event re-sent), signed
// with a fresh timestamp, and returns quita's answer.
func (s *Server) Redeliver(d Delivery, sameID bool) (int, error) {
	id := d.ID
	if !sameID {
		id = newDeliveryID()
	}
	return s.post(id, d.Body, "")
}

// DeliverForged sends body with a signature made with the wrong secret.
func (s *Server) DeliverForged(body []byte) (int, error) {
	return s.post(newDeliveryID(), body, chatwoot.Sign("not-the-secret", s.now().Unix(), body))
}

// DeliverStale sends body correctly signed at ts (a replay of an old capture).
func (s *Server) DeliverStale(body []byte, ts int64) (int, error) {
	s.mu.Lock()
	url, secret := s.webhookURL, s.webhookSecret
	s.mu.Unlock()
	return s.postAt(url, secret, newDeliveryID(), body, ts, "")
}

// AgentReply is an agent writing in the conversation (an outgoing message
// by a user), and returns the message id.
func (s *Server) AgentReply(convID, agentID int64, text string) int64 {
	return s.agentMessage(convID, agentID, text, false)
}

// PrivateNote is an agent's private note, which never leaves Chatwoot.
func (s *Server) PrivateNote(convID, agentID int64, text string) int64 {
	return s.agentMessage(convID, agentID, text, true)
}

func (s *Server) agentMessage(convID, agentID int64, text string, private bool) int64 {
	s.mu.Lock()
	c, ok := s.convs[convID]
	if !ok {
		s.mu.Unlock()
		panic(fmt.Sprintf("chatwoottest: no conversation %d", convID))
	}
	m := &Message{Type: chatwoot.Outgoing, Content: text, Private: private, SenderType: chatwoot.SenderUser, SenderID: agentID,
		Status: "sent", CreatedAt: s.now()}
	events := s.addMessage(c, m)
	s.mu.Unlock()
	for _, ev := range events {
		s.enqueue(ev)
	}
	s.notify()
	return m.ID
}

// Resolve is an agent resolving the conversation.
func (s *Server) Resolve(convID int64) { s.changeStatus(convID, chatwoot.StatusResolved) }

// SetPending is an agent putting the conversation back to pending (to the bot).
func (s *Server) SetPending(convID int64) { s.changeStatus(convID, chatwoot.StatusPending) }

// Reopen is an agent reopening the conversation.
func (s *Server) Reopen(convID int64) { s.changeStatus(convID, chatwoot.StatusOpen) }

func (s *Server) changeStatus(convID int64, status string) {
	s.mu.Lock()
	events := s.setStatus(s.convs[convID], status)
	s.mu.Unlock()
	for _, ev := range events {
		s.enqueue(ev)
	}
	s.notify()
}

// Assign is an agent (or auto-assignment) giving the conversation to agentID (0: nobody).
func (s *Server) Assign(convID, agentID int64) {
	s.mu.Lock()
	events := s.assign(s.convs[convID], agentID)
	s.mu.Unlock()
	for _, ev := range events {
		s.enqueue(ev)
	}
	s.notify()
}

// Message finds a stored message by id.
func (s *Server) Message(convID, msgID int64) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[convID]
	if !ok {
		return Message{}, false
	}
	for _, m := range c.Messages {
		if m.ID == msgID {
			return *m, true
		}
	}
	return Message{}, false
}
