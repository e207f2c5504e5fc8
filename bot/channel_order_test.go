package bot

import (
	"fmt"
	"testing"
)

func TestChannelOrderPutsTheDebtorsPreferenceFirst(t *testing.T) {
	tests := []struct {
		creditor  []string
		preferred string
		want      []string
	}{
		{[]string{"whatsapp", "sms"}, "sms", []string{"sms", "whatsapp"}},
		{[]string{"whatsapp", "sms"}, "whatsapp", []string{"whatsapp", "sms"}},
		{[]string{"whatsapp", "sms"}, "", []string{"whatsapp", "sms"}},
		{[]string{"sms"}, "whatsapp", []string{"sms", "whatsapp"}}, // the creditor's channels come before one it did not list
	}
	for _, tt := range tests {
		if got := channelOrder(tt.creditor, tt.preferred); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("channelOrder(%v, %q) = %v, want %v", tt.creditor, tt.preferred, got, tt.want)
		}
	}
}
