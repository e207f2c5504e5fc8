package payments

import "testing"

func TestFormatBRL(t *testing.T) {
	for cents, want := range map[int64]string{
		0: "R$ 0,00", 5: "R$ 0,05", 125050: "R$ 1.250,50", 100: "R$ 1,00",
		100000000: "R$ 1.000.000,00", -250: "-R$ 2,50", 99999: "R$ 999,99",
	} {
		if got := FormatBRL(cents); got != want {
			t.Errorf("FormatBRL(%d) = %q, want %q", cents, got, want)
		}
	}
	if got := FormatAmount(15000); got != "150.00" {
		t.Errorf("FormatAmount = %q", got)
	}
}

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]int64{
		"150.00": 15000, "150": 15000, "150,5": 15050, "1.250,50": 125050, "1,250.50": 125050,
		"R$ 1.250,50": 125050, "0,01": 1, ".5": 50, "1.250.000": 125000000, "1.250.000,00": 125000000,
		" 42 ": 4200, "12.3": 1230,
	} {
		got, err := ParseAmount(in)
		if err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "1.250", "1,250", "-5", "1.2.3,4", "1,2,3.4", "1.234,567", "12,", "1e5", "12.34.56,00", "R$"} {
		if got, err := ParseAmount(in); err == nil {
			t.Errorf("ParseAmount(%q) = %d, want an error", in, got)
		}
	}
}
