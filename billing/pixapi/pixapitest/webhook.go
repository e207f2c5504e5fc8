package pixapitest

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
)

// Delivery is one POST the fake made to {webhookUrl}/pix.
type Delivery struct {
	URL    string
	Body   []byte
	Status int // the receiver's answer; 0 when the POST failed
	Err    error
}

// putWebhook is PUT /webhook/{chave} (WebhookSolicitado): the key must be
// the creditor's and webhookUrl an https URI (WebhookOperacaoInvalida).
func (s *Server) putWebhook(w http.ResponseWriter, chave string, body []byte) {
	key, _ := url.PathUnescape(chave)
	var in struct {
		WebhookURL string `json:"webhookUrl"`
	}
	err := json.Unmarshal(body, &in)
	u, uerr := url.Parse(in.WebhookURL)
	switch {
	case key != s.opts.Key:
		writeProblem(w, http.StatusBadRequest, "WebhookOperacaoInvalida", "Webhook inválido.", "o parâmetro {chave} não corresponde a uma chave DICT pertencente a este usuário recebedor.")
		return
	case err != nil || uerr != nil || u.Scheme != "https" || u.Host == "":
		writeProblem(w, http.StatusBadRequest, "WebhookOperacaoInvalida", "Webhook inválido.", "Campo webhook.webhookUrl não respeita o _schema_.")
		return
	}
	s.mu.Lock()
	s.webhookURL = in.WebhookURL
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (s *Server) getWebhook(w http.ResponseWriter, chave string) {
	key, _ := url.PathUnescape(chave)
	s.mu.Lock()
	hook := s.webhookURL
	s.mu.Unlock()
	if key != s.opts.Key || hook == "" {
		writeProblem(w, http.StatusNotFound, "WebhookNaoEncontrado", "Webhook não encontrado", "o webhook denotado por {chave} não encontra-se estabelecido.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"webhookUrl": hook, "chave": s.opts.Key})
}

// WebhookURL is the webhookUrl registered (by PUT /webhook/{chave} or SetWebhook).
func (s *Server) WebhookURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhookURL
}

// SetWebhook registers webhookURL as PUT /webhook/{chave} would, without
// the https check (a test's receiver is plain HTTP behind no terminator).
func (s *Server) SetWebhook(webhookURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL = webhookURL
}

// HoldWebhooks keeps new notifications undelivered (a lost webhook, or one
// to deliver later with Deliver) until called with false.
func (s *Server) HoldWebhooks(hold bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = hold
}

func (s *Server) autoDeliver(e2eid string) {
	s.mu.Lock()
	hold, hook := s.hold, s.webhookURL
	s.mu.Unlock()
	if !hold && hook != "" {
		_, _ = s.Deliver(e2eid)
	}
}

// Deliver posts the named Pix, as the fake holds them now, in one
// WebhookPixBody {"pix":[…]} (the spec lets a PSP group Pix of one key).
func (s *Server) Deliver(e2eids ...string) (int, error) {
	s.mu.Lock()
	var list []Pix
	for _, id := range e2eids {
		p, ok := s.pix[id]
		if !ok {
			s.mu.Unlock()
			return 0, errors.New("pixapitest: no pix " + id)
		}
		list = append(list, *p)
	}
	s.mu.Unlock()
	body, err := json.Marshal(map[string]any{"pix": list})
	if err != nil {
		return 0, err
	}
	return s.DeliverBody(body)
}

// DeliverBody posts any body to {webhookUrl}/pix: a forged or malformed
// notification.
func (s *Server) DeliverBody(body []byte) (int, error) {
	s.mu.Lock()
	hook := s.webhookURL
	s.mu.Unlock()
	if hook == "" {
		return 0, errors.New("pixapitest: no webhook registered")
	}
	return s.postTo(hook, "/pix", body)
}

// Deliveries returns every POST made, in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}
