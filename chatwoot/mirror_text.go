package chatwoot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
)

type redisZ = redis.Z

// What agents read in Chatwoot is in Portuguese, like quita's console.

var reasonNames = map[string]string{
	dialogs.ReasonAskHuman: "pediu um atendente", dialogs.ReasonDispute: "contesta a dívida", dialogs.ReasonDistress: "aflição",
	dialogs.ReasonLegalThreat: "ameaça jurídica", dialogs.ReasonMisunderstanding: "o bot não entendeu",
	dialogs.ReasonVerificationFailed: "identidade não confirmada", dialogs.ReasonReceipt: "enviou comprovante",
	dialogs.ReasonAbusive: "mensagens abusivas", dialogs.ReasonVIP: "cliente VIP", dialogs.ReasonHighValue: "dívida de valor alto",
	dialogs.ReasonSendPayment: "enviar o pagamento", reasonChatwootAgent: "um agente assumiu no Chatwoot",
}

// reasonChatwootAgent is the handoff reason when an agent takes over in
// Chatwoot a conversation the bot was handling.
const reasonChatwootAgent = "chatwoot_agent"

func reasonName(r string) string { return firstNonEmpty(reasonNames[r], r) }

func priorityName(p int) string {
	switch {
	case p >= dialogs.PriorityUrgent:
		return "urgente"
	case p == dialogs.PriorityHigh:
		return "alta"
	}
	return "normal"
}

// Labels: "quita", the reason and the priority (Chatwoot label titles are
// letters, digits, "_" and "-").
func labelOf(reason string) string { return strings.ReplaceAll(reason, " ", "_") }

func priorityLabel(p int) string {
	switch {
	case p >= dialogs.PriorityUrgent:
		return "urgent"
	case p == dialogs.PriorityHigh:
		return "high_priority"
	}
	return "normal_priority"
}

func isPriorityLabel(l string) bool {
	return l == "urgent" || l == "high_priority" || l == "normal_priority"
}

// chatwootPriority is Chatwoot's own conversation priority.
func chatwootPriority(p int) string {
	switch {
	case p >= dialogs.PriorityUrgent:
		return "urgent"
	case p == dialogs.PriorityHigh:
		return "high"
	}
	return "medium"
}

func sortStrings(s []string) []string { sort.Strings(s); return s }

// maxSummary bounds the summary note (Chatwoot accepts far more; agents read less).
const maxSummary = 60

// summary is the transcript before a handoff as one note.
func (b *Bridge) summary(msgs []storage.RawMessage) string {
	var lines []string
	for _, r := range msgs {
		m := r.Msg
		text := strings.TrimSpace(m.Text)
		for _, a := range m.Attachments {
			text = strings.TrimSpace(text + " [" + firstNonEmpty(a.Filename, a.Kind) + "]")
		}
		if text == "" {
			continue
		}
		var from string
		switch {
		case m.Private:
			from = "nota de " + m.Author
		case m.Direction == storage.In:
			from = "Devedor"
		case m.Origin == "agent":
			from = who(m.Author)
		case m.Origin == "reminder":
			from = "Lembrete"
		default:
			from = "Bot"
		}
		lines = append(lines, fmt.Sprintf("[%s] %s: %s", b.clock(m.At), from, text))
	}
	if len(lines) == 0 {
		return ""
	}
	head := fmt.Sprintf("Conversa com o quita antes da transferência (%d mensagens):", len(lines))
	if len(lines) > maxSummary {
		head += fmt.Sprintf("\n… %d mensagens mais antigas no console do quita …", len(lines)-maxSummary)
		lines = lines[len(lines)-maxSummary:]
	}
	return head + "\n" + strings.Join(lines, "\n")
}

func (b *Bridge) clock(t time.Time) string {
	if b.opts.Location != nil {
		t = t.In(b.opts.Location)
	}
	return t.Format("02/01 15:04")
}

// whyNote says why the conversation came to a person and what is at stake.
func (b *Bridge) whyNote(ctx context.Context, c dialogs.Conversation, reason string, priority int) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Transferida pelo quita: %s. Prioridade %s.", reasonName(reason), priorityName(priority))
	if priority >= dialogs.PriorityUrgent {
		sb.WriteString(" Responda agora.")
	}
	if d, debts := b.debtor(ctx, c); d != nil {
		fmt.Fprintf(&sb, "\nDevedor: %s, CPF %s.", d.Name, payments.MaskCPF(d.CPF))
		if s := debtsLine(debts); s != "" {
			sb.WriteString("\nDívidas: " + s + ".")
		}
	}
	if c.State != "" {
		sb.WriteString("\nO diálogo estava em: " + c.State + ".")
	}
	sb.WriteString("\nResponda aqui: a mensagem vai ao devedor pelo quita. Notas privadas ficam no Chatwoot. Resolver a conversa (ou marcá-la como pendente) devolve o devedor ao bot, que o cumprimenta e mostra o menu.")
	return sb.String()
}

// debtor finds the person and debts behind a conversation (nil when unknown).
func (b *Bridge) debtor(ctx context.Context, c dialogs.Conversation) (*dialogs.Debtor, []dialogs.Debt) {
	var d dialogs.Debtor
	var err error
	if c.DebtorID != "" {
		d, err = b.store.Debtor(ctx, c.DebtorID)
	} else {
		d, err = b.store.DebtorByPhone(ctx, c.Phone)
	}
	if err != nil {
		return nil, nil
	}
	debts, _ := b.store.DebtsOf(ctx, d.ID)
	return &d, debts
}

var debtStatusNames = map[string]string{dialogs.DebtOpen: "em aberto", dialogs.DebtPaid: "paga", dialogs.DebtDisputed: "contestada", dialogs.DebtAgreement: "em acordo", "": "em aberto"}

func debtsLine(debts []dialogs.Debt) string {
	var parts []string
	for _, d := range debts {
		parts = append(parts, fmt.Sprintf("%s %s (%s, vence %s)", firstNonEmpty(d.Invoice, d.ID), payments.FormatBRL(d.AmountCents),
			firstNonEmpty(debtStatusNames[d.Status], d.Status), d.DueDate))
	}
	return strings.Join(parts, "; ")
}

// contactAttrs are the debtor's custom attributes in Chatwoot and the
// contact's name. The CPF is masked (LGPD: agents need to recognise it,
// not to have it).
func (b *Bridge) contactAttrs(ctx context.Context, c dialogs.Conversation) (map[string]any, string) {
	attrs := map[string]any{"quita_conversation": c.ID, "quita_dialog_state": c.State, "quita_handoff": firstNonEmpty(c.Handoff.Status, "bot")}
	name := c.Phone
	d, debts := b.debtor(ctx, c)
	if d == nil {
		return attrs, name
	}
	name = firstNonEmpty(d.Name, name)
	attrs["quita_cpf"] = payments.MaskCPF(d.CPF)
	var owed int64
	for _, db := range debts {
		if db.Status == dialogs.DebtOpen || db.Status == dialogs.DebtAgreement || db.Status == dialogs.DebtDisputed || db.Status == "" {
			owed += db.AmountCents
		}
	}
	attrs["quita_amount_owed"] = payments.FormatBRL(owed)
	attrs["quita_debts"] = debtsLine(debts)
	return attrs, name
}

func attrsHash(attrs map[string]any) string {
	enc, _ := json.Marshal(attrs) // map keys are sorted
	sum := sha256.Sum256(enc)
	return hex.EncodeToString(sum[:8])
}

// agentByEmail is the Chatwoot agent with a console agent's e-mail
// (the list is cached for five minutes).
func (b *Bridge) agentByEmail(ctx context.Context, email string) (Agent, bool, error) {
	b.agentsMu.Lock()
	defer b.agentsMu.Unlock()
	if b.agents == nil || b.now().Sub(b.agentsAt) > 5*time.Minute {
		list, err := b.api.Agents(ctx)
		if err != nil {
			return Agent{}, false, err
		}
		b.agents, b.agentsAt = list, b.now()
	}
	for _, a := range b.agents {
		if strings.EqualFold(a.Email, email) {
			return a, true, nil
		}
	}
	return Agent{}, false, nil
}

type redisXAdd = redis.XAddArgs

func isRedisNil(err error) bool { return errors.Is(err, redis.Nil) }
