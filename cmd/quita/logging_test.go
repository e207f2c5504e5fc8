package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestLogsMaskPhonesAndCPFs: whatever a caller passes, numbers and CPFs
// never reach the log in full (LGPD).
func TestLogsMaskPhonesAndCPFs(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log := newLogger(&buf, format, "info")
		log.Info("inbound", "from", "+5511987650001", "to", "+5521987650003", "phone", "+5511987650002",
			"conv", "+5511987650004", "cpf", "52998224725", "channel", "sms")
		out := buf.String()
		for _, secret := range []string{"+5511987650001", "+5521987650003", "+5511987650002", "+5511987650004", "52998224725"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s log shows %s in full: %s", format, secret, out)
			}
		}
		for _, masked := range []string{"+55119****0001", "***.***.***-25", "sms"} {
			if !strings.Contains(out, masked) {
				t.Errorf("%s log lacks %q: %s", format, masked, out)
			}
		}
	}
}
