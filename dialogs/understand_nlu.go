package dialogs

import (
	"math"
	"time"

	"github.com/quita-bot/quita/dialogs/nlu"
)

// NLU is the default Understander: quita's own classifier, package nlu.
type NLU struct{}

// Understand classifies text with nlu.Classify. A text that says enough to
// tell its language is read in the language nlu.DetectLanguage finds, and
// reports it, so that the conversation can follow the debtor; a short one
// ("ok", "2") is read in the conversation's language and reports none.
func (NLU) Understand(text, lang string, today time.Time) Understanding {
	detected := ""
	if telling(text) {
		detected = nlu.DetectLanguage(text)
		lang = detected
	}
	r := nlu.Classify(text, nlu.Options{Lang: lang, Today: today})
	cents := r.Entities.AmountCents
	if cents == 0 && r.Entities.Amount > 0 {
		cents = int64(math.Round(r.Entities.Amount * 100))
	}
	return Understanding{
		Intent:       string(r.Intent),
		Confidence:   r.Confidence,
		Lang:         detected,
		Date:         r.Entities.Date,
		Installments: r.Entities.Installments,
		AmountCents:  cents,
		Option:       r.Entities.Option,
		Flags:        r.Flags,
	}
}
