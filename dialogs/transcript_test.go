package dialogs

import (
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/locales"
)

// line is one event of a transcript and what the bot must answer: its
// messages by catalog key and its other actions as !kind:detail (see
// summarize). Inbound text is a phrase key (fakes_test.go), said in the
// language under test, or literal text.
type line struct {
	at    time.Duration // since t0; 0 means a minute after the previous line
	in    string
	media []Media
	ev    *Event              // another event than inbound text
	conv  func(*Conversation) // changes the bot did not make (an agent claimed it)
	want  string
	check func(t *testing.T, lang string, acts []Action)
}

// transcript is one path through the conversation.
type transcript struct {
	name     string
	verified bool // the debtor verified on this number earlier today, in the menu
	setup    func(*Case)
	cfg      func(*EngineConfig)
	lines    []line
	end      string // the state the conversation ends in, if checked
}

var (
	image = []Media{{Kind: "image", ContentType: "image/jpeg", URL: "https://media.example/1"}}
	audio = []Media{{Kind: "audio", ContentType: "audio/ogg", URL: "https://media.example/2"}}
)

func ev(kind EventKind, mod ...func(*Event)) *Event {
	e := &Event{Kind: kind, DebtID: "d1"}
	for _, m := range mod {
		m(e)
	}
	return e
}

func reminder(step, variant string) *Event {
	return ev(EventReminderDue, func(e *Event) { e.Step, e.Variant = step, variant })
}

func handBack(resume string) *Event {
	return ev(EventHandedBack, func(e *Event) { e.Resume = resume })
}

const (
	codeSent   = " !outcome:code_requested feedback.ask !askfeedback"
	boletoSent = "boleto.intro boleto.linha boleto.pdf[document]" + codeSent
	pixSent    = "pix.intro pix.code pix.qr[image]" + codeSent
	verifiedOK = "verify.ok debt.summary.first menu.options"
	agreed     = " !stop:agreement !outcome:agreement plan.agreed pay.ask_method"
)

// contains checks that the bot's texts include s(lang).
func contains(s func(lang string) string) func(*testing.T, string, []Action) {
	return func(t *testing.T, lang string, acts []Action) {
		t.Helper()
		want := s(lang)
		for _, a := range acts {
			if a.Message != nil && strings.Contains(a.Message.Text, want) {
				return
			}
		}
		t.Errorf("no message contains %q", want)
	}
}

func money(cents int64) func(string) string {
	return func(lang string) string { return locales.Money(lang, cents) }
}

var transcripts = []transcript{
	{name: "first contact, verify, segunda via, feedback and tip", lines: []line{
		{in: "hi", want: "greet verify.ask.cpf3", check: contains(func(string) string { return "12.345.678/0001-95" })},
		{in: "123", want: verifiedOK, check: contains(money(60000))},
		{in: "1", want: boletoSent, check: contains(func(string) string { return linha })},
		{in: "5", want: "!feedback:5 feedback.thanks tip", check: contains(func(string) string { return "https://loja.example/dicas" })},
		{in: "bye", want: "bye"},
	}, end: StateClosed},
	{name: "a VIP debtor is served by a person after verification", setup: func(c *Case) { c.Debtor.VIP = true }, lines: []line{
		{in: "hi", want: "greet verify.ask.cpf3"},
		{in: "123", want: "verify.ok debt.summary.first handoff.policy !handoff:vip:1"},
		{in: "1", want: ""},
	}, end: StateHandoff},
	{name: "a debt above the creditor's threshold is served by a person", setup: func(c *Case) { c.Creditor.HandoffAboveCents = 50000 }, lines: []line{
		{in: "hi", want: "greet verify.ask.cpf3"},
		{in: "123", want: "verify.ok debt.summary.first handoff.policy !handoff:high_value:1"},
	}, end: StateHandoff},
	{name: "a request before verification is answered after it", lines: []line{
		{in: "pix", want: "greet verify.ask.cpf3"},
		{in: "123.456.789-09", want: "verify.ok " + pixSent, check: contains(money(61400))},
		{in: "blah", want: "misunderstood.once"},
	}},
	{name: "three wrong identity answers hand off", lines: []line{
		{in: "hi", want: "greet verify.ask.cpf3"},
		{in: "999", want: "verify.wrong.cpf3"},
		{in: "boleto", want: "verify.first verify.ask.cpf3"},
		{in: "998", want: "verify.wrong.cpf3"},
		{in: "997", want: "verify.failed !handoff:verification_failed:2"},
		{in: "hi", want: ""},
		{ev: handBack(ResumeMenu), want: "handback.verify verify.ask.cpf3"},
		{in: "123", want: "verify.ok " + boletoSent},
	}},
	{name: "non-answers to the identity question", lines: []line{
		{in: "hi", want: "greet verify.ask.cpf3"},
		{in: "blah", want: "verify.reask.cpf3"},
		{in: "hi", want: "verify.ask.cpf3"}, // understood: the count starts again
		{in: "blah", want: "verify.reask.cpf3"},
		{in: "blah", want: "verify.reask.cpf3"},
		{in: "blah", want: "misunderstood.handoff !handoff:misunderstanding:1"},
	}, end: StateHandoff},
	{name: "birth date verification", setup: func(c *Case) { c.Creditor.Verification = VerifyBirthDate }, lines: []line{
		{in: "hi", want: "greet verify.ask.birthdate"},
		{in: "01/01/1990", want: "verify.wrong.birthdate"},
		{in: "1985", want: "verify.reask.birthdate"},
		{in: "10-03-85", want: verifiedOK},
	}},
	{name: "verification none goes straight to the point", setup: func(c *Case) { c.Creditor.Verification = VerifyNone }, lines: []line{
		{in: "boleto", want: "greet " + boletoSent},
		{in: "hi", want: "greet.again menu.options"},
	}},
	{name: "a debtor without CPF or birth date is verified by a person", setup: func(c *Case) { c.Debtor.CPF, c.Debtor.BirthDate = "", "" }, lines: []line{
		{in: "hi", want: "greet verify.agent !handoff:verification_failed:2"},
	}},
	{name: "wrong person: apologise, mark, disclose nothing, stop", lines: []line{
		{in: "hi", want: "greet verify.ask.cpf3"},
		{in: "wrong", want: "wrong.sorry !wrong"},
		{in: "hi", want: ""},
		{ev: reminder("D+5", "a"), want: ""},
		{ev: ev(EventTimeout), want: ""},
	}, end: StateWrongNumber},
	{name: "unknown number", setup: func(c *Case) { c.Debtor, c.Debts = nil, nil }, lines: []line{
		{in: "hi", want: "unknown.greet"},
		{in: "boleto", want: "unknown.again"},
		{in: "menu", want: "unknown.again"},
		{in: "scam", want: "scam.check scam.never scam.human"},
		{in: "human", want: "handoff.ask_human !handoff:ask_human:1"},
	}},
	{name: "unknown number opts out", setup: func(c *Case) { c.Debtor, c.Debts = nil, nil }, lines: []line{
		{in: "stop", want: "optout.ok !optout:whatsapp !stop:opt_out !outcome:opt_out"},
		{in: "hi", want: ""},
	}, end: StateOptedOut},
	{name: "menu or 0 from anywhere", verified: true, lines: []line{
		{in: "3", want: "offers.list"},
		{in: "menu", want: "menu.options"},
		{in: "promise", want: "promise.ask_date"},
		{in: "0", want: "menu.options"},
		{in: "negotiate", want: "offers.list"},
		{in: "2", want: "plan.picked"},
		{in: "Menu", want: "menu.options"},
		{in: "4", want: "!pause:2026-11-27T09:00 !task:verify_payment paid.thanks"},
		{in: "0", want: "menu.options"},
	}, end: StateMenu},
	{name: "menu before verification asks for identity", lines: []line{
		{in: "menu", want: "greet verify.ask.cpf3"},
		{in: "0", want: "verify.first verify.ask.cpf3"},
	}},
	{name: "negotiation to agreement, then the first boleto", verified: true, lines: []line{
		{in: "negotiate", want: "offers.list", check: contains(money(55260))},
		{in: "2", want: "plan.picked", check: contains(money(20466))},
		{in: "yes", want: "!agreement:3x" + agreed},
		{in: "1", want: strings.Replace(boletoSent, "intro", "payment", 1), check: contains(money(20466))},
	}},
	{name: "nearest plans: em 12x, 100 por mês, in full", verified: true, lines: []line{
		{in: "12x", want: "plan.nearest", check: contains(money(6140))},
		{in: "100/month", want: "plan.exact", check: contains(money(8771))},
		{in: "no", want: "plan.declined offers.list"},
		{in: "in full", want: "plan.exact", check: contains(money(55260))},
		{in: "yes", want: "!agreement:1x" + agreed},
		{in: "pix", want: pixSent, check: contains(money(55260))},
	}},
	{name: "an option that was not offered", verified: true, lines: []line{
		{in: "3", want: "offers.list"},
		{in: "9", want: "offers.pick"},
		{in: "no", want: "offers.declined"},
	}},
	{name: "promise to pay within the horizon", verified: true, lines: []line{
		{in: "promise", want: "promise.ask_date"},
		{in: "blah", want: "promise.ask_date"},
		{in: "day 25", want: "!promise:2026-11-25 !pause:2026-11-25T09:00 promise.ok !outcome:promise feedback.ask !askfeedback"},
	}},
	{name: "promise too far: the latest allowed date", verified: true, lines: []line{
		{in: "february", want: "promise.too_far", check: contains(func(lang string) string {
			return locales.Date(lang, time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC))
		})},
		{in: "yes", want: "!promise:2026-12-20 !pause:2026-12-20T09:00 promise.ok !outcome:promise feedback.ask !askfeedback"},
	}},
	{name: "promise past the creditor's horizon: a plan instead", verified: true,
		setup: func(c *Case) { c.Creditor.PromiseHorizonDays = 3 }, lines: []line{
			{in: "day 25", want: "promise.too_far"},
			{in: "no", want: "offers.list"},
		}},
	{name: "promise of a past day", verified: true, lines: []line{
		{in: "yesterday", want: "promise.past"},
		{in: "day 25", want: "!promise:2026-11-25 !pause:2026-11-25T09:00 promise.ok !outcome:promise feedback.ask !askfeedback"},
	}},
	{name: "already paid, receipt sent", verified: true, lines: []line{
		{in: "paid", want: "!pause:2026-11-27T09:00 !task:verify_payment paid.thanks"},
		{media: image, want: "!task:verify_receipt+1 paid.receipt_ok"},
	}, end: StateClosed},
	{name: "already paid with the receipt attached", verified: true, lines: []line{
		{in: "paid", media: image, want: "!pause:2026-11-27T09:00 !task:verify_payment !task:verify_receipt+1 paid.receipt_ok"},
	}},
	{name: "already paid, no receipt: never insists", verified: true,
		setup: func(c *Case) { c.Creditor.PaidPauseDays = 3 }, lines: []line{
			{in: "paid", want: "!pause:2026-11-23T09:00 !task:verify_payment paid.thanks"},
			{ev: ev(EventTimeout), want: ""},
			{in: "no", want: "paid.no_receipt"},
		}},
	{name: "already paid, said again: a person checks", verified: true, lines: []line{
		{in: "paid", want: "!pause:2026-11-27T09:00 !task:verify_payment paid.thanks"},
		{in: "paid", want: "paid.again !handoff:receipt:1"},
	}},
	{name: "media outside the receipt step", verified: true, lines: []line{
		{media: image, want: "media.file"},
		{media: audio, want: "media.audio"},
	}},
	{name: "a voice note as the first message", lines: []line{
		{media: audio, want: "greet media.audio verify.ask.cpf3"},
	}},
	{name: "dispute: suspend, hand off, silence, hand back to negotiation", verified: true, lines: []line{
		{in: "dispute", want: "dispute.handoff !suspend !handoff:dispute:2"},
		{in: "hi", want: ""},
		{ev: handBack(ResumeNegotiation), want: "handback offers.list"},
	}},
	{name: "dispute before verification", lines: []line{
		{in: "dispute", want: "greet verify.ask.cpf3"},
		{in: "123", want: "verify.ok dispute.handoff !suspend !handoff:dispute:2"},
	}},
	{name: "hardship: empathy, longer plan or later start", verified: true, lines: []line{
		{in: "hardship", want: "hardship.empathy hardship.options", check: contains(money(6140))},
		{in: "2", want: "plan.picked", check: contains(func(lang string) string {
			return locales.Date(lang, time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC))
		})},
		{in: "yes", want: "!agreement:10x" + agreed},
	}},
	{name: "hardship before verification: empathy first, once", lines: []line{
		{in: "hardship", want: "greet hardship.empathy verify.ask.cpf3"},
		{in: "123", want: "verify.ok hardship.options"},
	}},
	{name: "distress: care and an urgent person", verified: true, lines: []line{
		{in: "distress", want: "distress.care distress.cvv !handoff:distress:3"},
		{in: "hi", want: ""},
	}, end: StateHandoff},
	{name: "distress in the first message", lines: []line{
		{in: "distress", want: "distress.care distress.cvv !handoff:distress:3"},
	}},
	{name: "scam concern before anything else", lines: []line{
		{in: "scam", want: "scam.check scam.never scam.human", check: contains(func(string) string { return "(11) 3333-4444" })},
		{in: "123", want: verifiedOK},
		{in: "scam", want: "scam.check scam.never scam.human"},
		{in: "human", want: "handoff.ask_human !handoff:ask_human:1"},
	}},
	{name: "abuse: calm, then a person", verified: true, lines: []line{
		{in: "insult", want: "abuse.calm"},
		{in: "rude pix", want: "abuse.handoff !handoff:abusive:1"},
	}},
	{name: "abuse with a request: calm, then help", verified: true, lines: []line{
		{in: "rude pix", want: "abuse.calm " + pixSent},
	}},
	{name: "legal threat: a person, no arguing", verified: true, lines: []line{
		{in: "lawsuit", want: "legal.handoff !handoff:legal_threat:2"},
	}},
	{name: "opt-out: confirm, stop, silence on that channel", verified: true, lines: []line{
		{in: "stop", want: "optout.ok !optout:whatsapp !stop:opt_out !outcome:opt_out"},
		{in: "hi", want: ""},
		{ev: reminder("D+5", "a"), want: ""},
		{ev: ev(EventTimeout), want: ""},
		{ev: ev(EventInstallmentDue, func(e *Event) { e.Amount, e.DueDate = 20467, "2026-12-23" }), want: ""},
		{ev: ev(EventPaymentConfirmed), want: "!stop:paid"},
	}, end: StateOptedOut},
	{name: "opt-out on another channel does not silence this one", verified: true, lines: []line{
		{in: "stop", want: "optout.ok !optout:whatsapp !stop:opt_out !outcome:opt_out"},
		{ev: ev(EventReminderDue, func(e *Event) { e.Step, e.Channel = "D+5", "sms" }), want: "reminder.after.first.a"},
	}},
	{name: "handoff: silence, records, hand back closed", verified: true, lines: []line{
		{in: "5", want: "handoff.ask_human !handoff:ask_human:1"},
		{in: "boleto", want: ""},
		{media: audio, want: ""},
		{ev: reminder("D+5", "a"), want: ""},
		{ev: ev(EventTimeout), want: ""},
		{ev: ev(EventInstallmentDue, func(e *Event) { e.Amount, e.DueDate = 20467, "2026-12-23" }), want: ""},
		{in: "distress", want: "!handoff:distress:3 distress.care_queued distress.cvv"},
		{in: "distress", want: ""}, // once: a person is coming
		{ev: handBack(ResumeClosed), want: ""},
		{in: "hi", want: "greet.again menu.options"},
	}},
	{name: "a reminder into a stale plan list: its options are what the answer means", verified: true, lines: []line{
		{in: "negotiate", want: "offers.list"},
		{at: 5 * time.Hour, ev: reminder("D+15", "a"), want: "reminder.after.first.a"},
		// PIX, as the reminder offered, not plan 2 of the list
		{in: "2", want: "!outcome:reply@D+15/a pix.intro pix.code pix.qr[image] !outcome:code_requested@D+15/a feedback.ask !askfeedback"},
		{in: "2", want: "!feedback:2 feedback.thanks tip"}, // the next number answers the newest question
	}},
	{name: "asking again for a person while queued: a short word, at most every 10 minutes", verified: true, lines: []line{
		{in: "human", want: "handoff.ask_human !handoff:ask_human:1"},
		{in: "human", want: "handoff.queued"},
		{in: "human", want: ""}, // 2 minutes later: once is enough
		{in: "boleto", want: ""},
		{at: 13 * time.Minute, in: "human", want: "handoff.queued"},
	}, end: StateHandoff},
	{name: "distress while an agent holds the conversation: urgent at once, the agent answers", verified: true, lines: []line{
		{in: "human", want: "handoff.ask_human !handoff:ask_human:1"},
		{conv: func(c *Conversation) { c.Handoff.Status, c.Handoff.Agent = HandoffAssigned, "ana" }, in: "distress", want: "!handoff:distress:3"},
		{in: "distress", want: ""},
		{in: "stop, friday", want: "!optout:whatsapp !stop:opt_out"},
	}, end: StateHandoff},
	{name: "a promise and a stop request: the promise is kept and contact stops", verified: true, lines: []line{
		{in: "stop, friday", want: "!promise:2026-11-27 !pause:2026-11-27T09:00 promise.ok !outcome:promise optout.also !optout:whatsapp !stop:opt_out !outcome:opt_out"},
		{in: "hi", want: ""},
	}, end: StateOptedOut},
	{name: "already paid with a legal threat: the payment is checked and a person answers", verified: true, lines: []line{
		{in: "paid, procon", want: "!pause:2026-11-27T09:00 !task:verify_payment legal.handoff !handoff:legal_threat:2"},
	}, end: StateHandoff},
	{name: "distress beside a promise: care, the line, a person, and the promise kept", verified: true, lines: []line{
		{in: "hospital, monday", want: "!promise:2026-11-23 !pause:2026-11-23T09:00 distress.care distress.cvv !handoff:distress:3"},
	}, end: StateHandoff},
	{name: "distress with a stop request: care and the line, then contact stops; the team reviews", verified: true, lines: []line{
		{in: "grief, stop", want: "distress.care_stop distress.cvv !task:review_distress !optout:whatsapp !stop:opt_out !outcome:opt_out"},
		{in: "hi", want: ""},
	}, end: StateOptedOut},
	{name: "a formal refusal of contact before identity is confirmed", lines: []line{
		{in: "no consent", want: "optout.ok !optout:whatsapp !stop:opt_out !outcome:opt_out"},
	}, end: StateOptedOut},
	{name: "opt-out during a handoff is recorded silently", verified: true, lines: []line{
		{in: "human", want: "handoff.ask_human !handoff:ask_human:1"},
		{in: "stop", want: "!optout:whatsapp !stop:opt_out"},
		{ev: handBack(ResumeMenu), want: ""},
		{in: "hi", want: ""},
	}, end: StateOptedOut},
	{name: "hand back to the menu", verified: true, lines: []line{
		{in: "human", want: "handoff.ask_human !handoff:ask_human:1"},
		{ev: handBack(""), want: "handback menu.options"},
		{in: "2", want: pixSent},
	}},
	{name: "misunderstandings: rephrase, menu, person", verified: true, lines: []line{
		{in: "blah", want: "misunderstood.once"},
		{in: "blah", want: "misunderstood.menu menu.options"},
		{in: "blah", want: "misunderstood.handoff !handoff:misunderstanding:1"},
	}},
	{name: "an understood message resets the misunderstandings", verified: true, lines: []line{
		{in: "blah", want: "misunderstood.once"},
		{in: "info", want: "debt.summary.first menu.options"},
		{in: "blah", want: "misunderstood.once"},
		{in: "no", want: "anytime"},
		{in: "yes", want: "menu.options"},
	}},
	{name: "timeout: one nudge, never two", verified: true, lines: []line{
		{at: time.Hour, ev: ev(EventTimeout), want: "nudge"},
		{at: 5 * time.Hour, ev: ev(EventTimeout), want: ""},
		{in: "hi", want: "greet.again menu.options"},
		{ev: ev(EventTimeout), want: "nudge"},
		{in: "1", want: boletoSent},
		{ev: ev(EventTimeout), want: ""},
	}},
	{name: "no nudge before the first word", lines: []line{
		{ev: ev(EventTimeout), want: ""},
		{in: "hi", want: "greet verify.ask.cpf3"},
		{ev: ev(EventTimeout), want: "nudge"},
	}},
	{name: "reminder to an unverified debtor discloses nothing, then the reply", lines: []line{
		{ev: reminder("D-3", "a"), want: "reminder.locked.a"},
		{in: "hi", want: "!outcome:reply@D-3/a greet verify.ask.cpf3"},
		{in: "123", want: verifiedOK},
		{in: "1", want: "boleto.intro boleto.linha boleto.pdf[document] !outcome:code_requested@D-3/a feedback.ask !askfeedback"},
	}},
	{name: "reminders by step, variant and history", verified: true, lines: []line{
		{ev: reminder("D-3", "b"), want: "reminder.before.b"},
		{ev: reminder("D0", ""), want: "reminder.due.a"},
		{ev: reminder("D+5", "b"), want: "reminder.after.first.b", check: contains(money(60000))},
		{ev: reminder("promise", "a"), want: "reminder.promise.a"},
		{ev: reminder("D+10", "z"), want: "reminder.after.first.a"},
		{in: "2", want: "!outcome:reply@D+10/z pix.intro pix.code pix.qr[image] !outcome:code_requested@D+10/z feedback.ask !askfeedback"},
	}},
	{name: "a frequent delay gets its own wording", verified: true, setup: func(c *Case) { c.Debtor.Delays = 3 }, lines: []line{
		{ev: reminder("D+5", "a"), want: "reminder.after.again.a"},
		{in: "info", want: "!outcome:reply@D+5/a debt.summary.again menu.options"},
	}},
	{name: "no reminder for a paid or disputed debt", verified: true,
		setup: func(c *Case) { c.Debts[0].Status = DebtPaid }, lines: []line{
			{ev: reminder("D+5", "a"), want: ""},
			{in: "1", want: "debt.none"},
		}},
	{name: "payment confirmed", verified: true, lines: []line{
		{ev: ev(EventPaymentConfirmed, func(e *Event) { e.Amount = 61400 }), want: "!stop:paid paid.confirmed_amount", check: contains(money(61400))},
	}, end: StateClosed},
	{name: "payment confirmed before verification names no amount", lines: []line{
		{ev: ev(EventPaymentConfirmed, func(e *Event) { e.Amount = 61400 }), want: "!stop:paid paid.confirmed"},
	}},
	{name: "agreement installment due, then its boleto", verified: true, lines: []line{
		{ev: ev(EventInstallmentDue, func(e *Event) { e.Installment, e.Of, e.Amount, e.DueDate = 2, 3, 20467, "2026-12-23" }),
			want: "installment.due", check: contains(money(20467))},
		{in: "1", want: strings.Replace(boletoSent, "intro", "payment", 1), check: contains(money(20467))},
	}},
	{name: "installment due before verification", lines: []line{
		{ev: ev(EventInstallmentDue, func(e *Event) { e.Installment, e.Of, e.Amount, e.DueDate = 2, 3, 20467, "2026-12-23" }),
			want: "reminder.locked.a"},
	}},
	{name: "payments down: a kind word and a task", verified: true, cfg: func(c *EngineConfig) { c.Cashier = fakeCashier{fail: true} }, lines: []line{
		{in: "1", want: "pay.error !task:payment_error"},
		{in: "pix", want: "pay.error !task:payment_error"},
		{in: "3", want: "offers.none"},
		{in: "12x", want: "plan.unavailable offers.none"},
		{in: "hardship", want: "hardship.empathy hardship.no_plan"},
	}},
	{name: "no cashier configured", verified: true, cfg: func(c *EngineConfig) { c.Cashier = nil }, lines: []line{
		{in: "1", want: "pay.error !task:payment_error"},
	}},
	{name: "nothing open", setup: func(c *Case) { c.Debts[0].Status = DebtPaid }, lines: []line{
		{in: "hi", want: "greet verify.ask.cpf3"},
		{in: "123", want: "verify.ok debt.none"},
		{in: "hi", want: "greet.again menu.options"},
	}},
	{name: "identity is asked again after a long silence", verified: true, lines: []line{
		{at: 31 * 24 * time.Hour, in: "1", want: "greet verify.ask.cpf3"},
		{in: "123", want: verifiedOK},
	}},
	{name: "feedback is asked once a month at most", verified: true, lines: []line{
		{in: "1", want: boletoSent},
		{in: "2", want: "!feedback:2 feedback.thanks tip"},
		{in: "2", want: "pix.intro pix.code pix.qr[image] !outcome:code_requested"},
		{in: "5", want: "handoff.ask_human !handoff:ask_human:1"},
	}},
}

func TestTranscripts(t *testing.T) {
	visited := map[string]bool{}
	for _, lang := range []string{"pt", "es", "en"} {
		for _, tr := range transcripts {
			t.Run(lang+"/"+tr.name, func(t *testing.T) {
				c := runTranscript(t, lang, tr, visited)
				if tr.end != "" && c.State != tr.end {
					t.Errorf("ends in %s, want %s", c.State, tr.end)
				}
				if c.Language != lang {
					t.Errorf("language %s, want %s", c.Language, lang)
				}
			})
		}
	}
	for _, s := range states {
		if !visited[s.name] {
			t.Errorf("no transcript reaches state %s", s.name)
		}
	}
}

func newTestEngine(tr transcript) *Engine {
	cfg := EngineConfig{Understander: fakeUnderstander{}, Cashier: fakeCashier{}}
	if tr.cfg != nil {
		tr.cfg(&cfg)
	}
	return NewEngine(cfg)
}

func startConversation(tr transcript) Conversation {
	c := Conversation{ID: "+5511987650001", Phone: "+5511987650001", Channel: "whatsapp"}
	if tr.verified {
		c.Verified, c.State, c.LastIn = true, StateMenu, t0.Add(-time.Hour)
	}
	return c
}

func runTranscript(t *testing.T, lang string, tr transcript, visited map[string]bool) Conversation {
	t.Helper()
	cs := testCase(lang)
	if tr.setup != nil {
		tr.setup(cs)
	}
	e := newTestEngine(tr)
	c := startConversation(tr)
	now := t0
	for i, l := range tr.lines {
		if l.at != 0 {
			now = t0.Add(l.at)
		} else if i > 0 {
			now = now.Add(time.Minute)
		}
		event := Event{Kind: EventInbound, Channel: "whatsapp", Text: say(l.in, lang), Media: l.media}
		if l.ev != nil {
			event = *l.ev
		}
		event.Case = cs
		if l.conv != nil {
			l.conv(&c)
		}
		next, acts, err := e.Step(c, event, now)
		if err != nil {
			t.Fatalf("line %d (%s): %v", i+1, l.in, err)
		}
		if got := summarize(acts); got != l.want {
			t.Errorf("line %d (%s %s):\n got %q\nwant %q", i+1, event.Kind, event.Text, got, l.want)
		}
		checkTexts(t, lang, acts)
		if l.check != nil {
			l.check(t, lang, acts)
		}
		c = next
		if visited != nil {
			visited[c.State] = true
		}
	}
	return c
}

// checkTexts catches a message that did not render: a key shown as text, an
// empty text, a placeholder left over.
func checkTexts(t *testing.T, lang string, acts []Action) {
	t.Helper()
	for _, a := range acts {
		if a.Kind != ActSend {
			continue
		}
		m := a.Message
		raw := m.Template == "boleto.linha" || m.Template == "pix.code"
		if m.Text == "" || (!raw && m.Text == m.Template) || strings.Contains(m.Text, "<no value>") || strings.Contains(m.Text, "{{") {
			t.Errorf("%s %s renders as %q", lang, m.Template, m.Text)
		}
		if !raw && lang != "pt" && m.Text == locales.T("pt", m.Template, nil) && locales.T(lang, m.Template, nil) != m.Text {
			t.Errorf("%s %s is in Portuguese: %q", lang, m.Template, m.Text)
		}
	}
}
