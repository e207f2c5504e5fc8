package pixapitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// putRecWebhook is PUT /webhookrec or /webhookcobr (WebhookRecSolicitado,
// WebhookCobRSolicitado): webhookUrl must be an https URI.
func (s *Server) putRecWebhook(w http.ResponseWriter, which string, body []byte) {
	var in struct {
		WebhookURL string `json:"webhookUrl"`
	}
	err := json.Unmarshal(body, &in)
	u, uerr := url.Parse(in.WebhookURL)
	if err != nil || uerr != nil || u.Scheme != "https" || u.Host == "" {
		writeProblem(w, http.StatusBadRequest, "WebhookOperacaoInvalida", "Webhook inválido.", "Campo webhook.webhookUrl não respeita o _schema_.")
		return
	}
	s.mu.Lock()
	s.recHooks[which] = in.WebhookURL
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// RecWebhookURL is the webhookUrl registered by PUT /webhookrec ("rec")
// or /webhookcobr ("cobr").
func (s *Server) RecWebhookURL(kind string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recHooks["webhook"+kind]
}

// SetRecWebhooks registers webhookURL for both, without the https check
// (a test's receiver is plain HTTP behind no terminator).
func (s *Server) SetRecWebhooks(webhookURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recHooks["webhookrec"], s.recHooks["webhookcobr"] = webhookURL, webhookURL
}

// notifyRec posts {"recs":[RecNotification]} to {webhookUrl}/rec, unless held.
func (s *Server) notifyRec(idRec string) {
	s.mu.Lock()
	rc, ok := s.recs[idRec]
	hold, hook := s.hold, s.recHooks["webhookrec"]
	var n map[string]any
	if ok {
		n = map[string]any{"idRec": rc.IDRec, "status": rc.Status, "atualizacao": rc.Atualizacao, "ativacao": rc.Ativacao}
		if rc.Encerramento != nil {
			n["encerramento"] = rc.Encerramento
		}
	}
	s.mu.Unlock()
	if ok && !hold && hook != "" {
		body, _ := json.Marshal(map[string]any{"recs": []any{n}})
		_, _ = s.postTo(hook, "/rec", body)
	}
}

// notifyCobR posts {"cobsr":[CobRNotification]} to {webhookUrl}/cobr, unless held.
func (s *Server) notifyCobR(txid string) {
	s.mu.Lock()
	c, ok := s.cobrs[txid]
	hold, hook := s.hold, s.recHooks["webhookcobr"]
	var n map[string]any
	if ok {
		n = map[string]any{"idRec": c.IDRec, "txid": c.Txid, "status": c.Status, "atualizacao": c.Atualizacao, "tentativas": c.Tentativas}
	}
	s.mu.Unlock()
	if ok && !hold && hook != "" {
		body, _ := json.Marshal(map[string]any{"cobsr": []any{n}})
		_, _ = s.postTo(hook, "/cobr", body)
	}
}

// DeliverRecBody posts any body to {webhookUrl}/rec or /cobr (kind "rec"
// or "cobr"): a forged, repeated or malformed notification.
func (s *Server) DeliverRecBody(kind string, body []byte) (int, error) {
	s.mu.Lock()
	hook := s.recHooks["webhook"+kind]
	s.mu.Unlock()
	if hook == "" {
		return 0, errors.New("pixapitest: no webhook" + kind + " registered")
	}
	return s.postTo(hook, "/"+kind, body)
}

func (s *Server) postTo(hook, suffix string, body []byte) (int, error) {
	target := strings.TrimRight(hook, "/") + suffix
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	status := 0
	resp, err := s.httpClient.Do(req)
	if err == nil {
		status = resp.StatusCode
		resp.Body.Close()
	}
	s.mu.Lock()
	s.deliveries = append(s.deliveries, Delivery{URL: target, Body: body, Status: status, Err: err})
	s.mu.Unlock()
	return status, err
}
