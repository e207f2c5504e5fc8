package dialogs

import (
	"errors"
	"strconv"
	"time"
)

var errNoCashier = errors.New("dialogs: no Cashier configured (EngineConfig.Cashier)")

// ErrBillingNotConfigured is what a Cashier wraps when the creditor has no
// usable account or key for the charge asked for: the debtor is told that a
// person will send the code, never given one on another account.
var ErrBillingNotConfigured = errors.New("billing not configured")

// payment is the amount asked for in pay_method (an agreement installment),
// if any; otherwise boleto and PIX are for the whole updated debt.
func (t *turn) payment() (cents int64, due string, ok bool) {
	cents, err := strconv.ParseInt(t.slot(slotPayCents), 10, 64)
	if err != nil || cents <= 0 {
		return 0, "", false
	}
	return cents, t.slot(slotPayDue), true
}

// segundaVia sends a boleto: the updated debt, or the installment due.
func (t *turn) segundaVia() {
	if !t.needDebt() {
		return
	}
	if t.cfg.Cashier == nil {
		t.payError(errNoCashier)
		return
	}
	var b Boleto
	var err error
	intro := "boleto.intro" // a segunda via of the whole bill
	if cents, due, ok := t.payment(); ok {
		intro = "boleto.payment" // an agreement payment
		b, err = t.cfg.Cashier.Boleto(t.cs, *t.debt, cents, due, t.now)
	} else {
		b, err = t.cfg.Cashier.SegundaVia(t.cs, *t.debt, t.now)
	}
	if err != nil {
		t.payError(err)
		return
	}
	if b.Linha == "" && b.PixPayload != "" {
		// A creditor paid only by PIX (API Pix): a cobrança com vencimento,
		// with its own due date and terms, stands for the boleto.
		t.sendPix(Pix{Payload: b.PixPayload, AmountCents: b.AmountCents, QRPNG: b.PixQRPNG})
		return
	}
	// The linha digitável goes alone, so that a long press copies just it.
	t.say(intro, "amount", t.money(b.AmountCents), "due", t.fmtDay(b.DueDate))
	t.send("boleto.linha", b.Linha, nil)
	if len(b.PDF) > 0 {
		t.send("boleto.pdf", t.render("boleto.pdf"), []File{{Kind: "document", ContentType: "application/pdf",
			Filename: "boleto-" + fileSafe(t.debt.Invoice, t.debt.ID) + ".pdf", Data: b.PDF}})
	} else if b.PDFURL != "" {
		t.say("boleto.pdf_link", "url", b.PDFURL)
	}
	if b.PixPayload != "" { // boleto híbrido: one charge, two ways to pay it
		t.say("boleto.hybrid_pix")
		t.send("pix.code", b.PixPayload, nil)
	}
	if b.Unregistered {
		t.say("boleto.unregistered")
	}
	t.paid()
}

// pix sends a PIX copia-e-cola code and its QR code.
func (t *turn) pix() {
	if !t.needDebt() {
		return
	}
	if t.cfg.Cashier == nil {
		t.payError(errNoCashier)
		return
	}
	cents, _, _ := t.payment()
	p, err := t.cfg.Cashier.Pix(t.cs, *t.debt, cents, t.now)
	if err != nil {
		t.payError(err)
		return
	}
	t.sendPix(p)
}

// sendPix sends a PIX code, alone so that a long press copies just it, and its QR.
func (t *turn) sendPix(p Pix) {
	t.say("pix.intro", "amount", t.money(p.AmountCents))
	t.send("pix.code", p.Payload, nil)
	if len(p.QRPNG) > 0 {
		t.send("pix.qr", t.render("pix.qr"), []File{{Kind: "image", ContentType: "image/png",
			Filename: "pix-" + fileSafe(t.debt.Invoice, t.debt.ID) + ".png", Data: p.QRPNG}})
	}
	t.paid()
}

// paid follows a code sent: the outcome, then one satisfaction question.
func (t *turn) paid() {
	t.outcome(OutcomeCodeRequested)
	t.askFeedback()
}

// payError tells the debtor kindly and opens a task for the team: a person
// sends the code when the creditor cannot issue it, or looks at the failure.
func (t *turn) payError(err error) {
	if errors.Is(err, ErrBillingNotConfigured) {
		// The task records why; the handoff puts the debtor in front of a
		// person, who sends the code from the creditor's own account.
		t.act(Action{Kind: ActOpenTask, Task: TaskSendPayment, Reason: err.Error(), DebtID: t.debtID()})
		t.handoff("pay.by_person", ReasonSendPayment, PriorityNormal)
		return
	}
	t.say("pay.error")
	t.act(Action{Kind: ActOpenTask, Task: TaskPaymentError, Reason: err.Error(), DebtID: t.debtID()})
	t.to(StateMenu)
}

// onPayMethod: 1 boleto, 2 PIX; the menu's numbers on purpose.
func (t *turn) onPayMethod() { t.route() }

// askFeedback asks how the conversation went, at most once a period.
func (t *turn) askFeedback() {
	if t.stopping { // they asked us to stop: no survey
		t.to(StateMenu)
		return
	}
	if last, err := time.Parse(time.RFC3339, t.slot(slotFeedbackAt)); err == nil && t.now.Sub(last) < t.cfg.FeedbackEvery {
		t.to(StateMenu)
		return
	}
	t.setSlot(slotFeedbackAt, t.now.UTC().Format(time.RFC3339))
	t.say("feedback.ask")
	t.act(Action{Kind: ActAskFeedback, DebtID: t.debtID()})
	t.to(StateFeedback)
}

// onFeedback records a score from 1 to 5; anything else is read as usual.
func (t *turn) onFeedback() {
	if n := bareNumber(t.text); n >= 1 && n <= 5 {
		t.act(Action{Kind: ActRecordFeedback, Score: n, DebtID: t.debtID()})
		t.say("feedback.thanks")
		if url := t.cs.Creditor.TipURL; url != "" {
			t.say("tip", "url", url)
		}
		t.to(StateClosed)
		return
	}
	t.to(StateMenu)
	t.route()
}

// fileSafe is a file name part made of the first non-empty value's letters
// and digits.
func fileSafe(values ...string) string {
	for _, v := range values {
		b := make([]byte, 0, len(v))
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' {
				b = append(b, c)
			}
		}
		if len(b) > 0 {
			return string(b)
		}
	}
	return "conta"
}
