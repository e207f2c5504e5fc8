package twilio

import (
	"net/url"
	"testing"
)

// Twilio's documented example (twilio-go README, "Use the request
// validator"; Twilio docs "Validating requests").
func TestSignMatchesTwilioDocs(t *testing.T) {
	form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"}}
	if got := Sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form); got != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" {
		t.Fatalf("Sign = %s, want 0/KCTR6DLpKmkAf8muzZqo1nDgQ=", got)
	}
}
