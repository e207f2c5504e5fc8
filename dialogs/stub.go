package dialogs

import (
	"fmt"
	"strings"
	"time"
)

// Engine runs conversations. This first version only greets; the full
// collection dialog replaces it.
type Engine struct{}

// Step runs one event through a conversation.
func (e *Engine) Step(c Conversation, ev Event, now time.Time) (Conversation, []Action, error) {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	c.UpdatedAt = now
	if ev.Kind == EventInbound {
		c.LastIn = now
	}
	if c.Handoff.Active() { // a person owns it: record, say nothing
		return c, nil, nil
	}
	if ev.Kind != EventInbound {
		return c, nil, nil
	}
	creditor := "nossa empresa"
	if ev.Case != nil && ev.Case.Creditor.Name != "" {
		creditor = fmt.Sprintf("%s (CNPJ %s)", ev.Case.Creditor.Name, ev.Case.Creditor.CNPJ)
	}
	c.State = "greeted"
	text := fmt.Sprintf("Olá! Aqui é a %s. Tudo bem? Como posso te ajudar?", creditor)
	if strings.TrimSpace(ev.Text) == "" {
		text = fmt.Sprintf("Olá! Aqui é a %s. Por enquanto não consigo ouvir áudios nem ver arquivos; pode me escrever?", creditor)
	}
	return c, []Action{{Kind: ActSend, Message: &Message{Text: text, Template: "greeting"}}}, nil
}
