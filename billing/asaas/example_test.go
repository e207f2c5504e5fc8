package asaas_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/quita-bot/quita/billing/asaas"
)

// The route POST /webhooks/asaas/{creditor} reduces to this: 401 on a bad
// token, 400 on a body that is not an event, 200 for everything else;
// deduplicate on ev.ID and apply each of ev.Payments() through the one
// payment path (or c.Confirm(ctx, ev) to re-read them from the API).
func ExampleReadWebhook() {
	body, _ := os.ReadFile(filepath.Join("testdata", "payment_refunded.json"))
	const token = "whsec-3b1f0d6c9a2e4f7b8c5d1e0f2a3b4c5d" // from billing.asaas.webhook_token_env
	ev, err := asaas.ReadWebhook(token, body, token)
	switch {
	case errors.Is(err, asaas.ErrUnauthorized):
		fmt.Println(401)
	case err != nil:
		fmt.Println(400)
	case !ev.Handled:
		fmt.Println(200, "ignored", ev.Type)
	default:
		fmt.Println(200, ev.ID, ev.Type, "charge", ev.ChargeID, "state", ev.State)
		for _, p := range ev.Payments() {
			fmt.Println(" apply", p.ID, p.Event, p.AmountCents)
		}
	}
	// Output:
	// 200 evt_05b708f961d739ea7eba7e4db318f621&368604920 PAYMENT_REFUNDED charge 056984 state refunded
	//  apply pay_080225913252 received 10000
	//  apply pay_080225913252 refunded 10000
}
