package channels

import "testing"

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+5511987650001", "+5511987650001"},
		{"whatsapp:+5511987650001", "+5511987650001"},
		{"5511987650001@s.whatsapp.net", "+5511987650001"},
		{"(11) 98765-0001", "+5511987650001"},
		{"011 98765-0001", "+5511987650001"},   // trunk prefix 0
		{"+55 11 8765-0001", "+5511987650001"}, // mobile without the ninth digit gets it back
		{"551187650001", "+5511987650001"},
		{"+55 11 3456-7890", "+551134567890"}, // a landline keeps 8 digits
		{"+1 (415) 555-2671", "+14155552671"},
		{"+44 20 7946 0958", "+442079460958"},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "abc", "+55 11 123", "+55 11 9876500012", "+1234567890123456", "11 98765 0001 ext 2"} {
		if got, err := NormalizePhone(bad); err == nil {
			t.Errorf("NormalizePhone(%q) = %q, want an error", bad, got)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	if got := MaskPhone("+5511987650001"); got != "+55119****0001" {
		t.Errorf("MaskPhone = %q", got)
	}
	if got := MaskPhone("123"); got != "****" {
		t.Errorf("MaskPhone(short) = %q", got)
	}
}
