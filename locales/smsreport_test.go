package locales

import "testing"

// One message counted by hand: boleto.unregistered is 191 characters on
// WhatsApp and 118 in its SMS form, with ã, á, ó, ú: in UCS-2 (67 a
// segment when concatenated) 3 segments before and 2 after; folded to
// GSM-7 (160 in one, 153 when concatenated) 2 and 1.
func TestSMSCountsByHand(t *testing.T) {
	want := map[string][2]int{"unicode": {3, 2}, "gsm": {2, 1}}
	seen := 0
	for _, c := range SMSCounts() {
		if c.Lang != Default || c.Key != "boleto.unregistered" {
			continue
		}
		seen++
		if w := want[c.Encoding]; c.Before != w[0] || c.After != w[1] || !c.HasForm || c.Reminder {
			t.Errorf("%+v, want before %d after %d", c, w[0], w[1])
		}
	}
	if seen != 4 { // plain and accented values, two encodings
		t.Fatalf("boleto.unregistered counted %d times, want 4", seen)
	}
}

// No SMS form costs more than the WhatsApp text it replaces (a message
// without a form of its own may still cost less: the plans it names are
// written in their SMS form).
func TestSMSFormsNeverCostMore(t *testing.T) {
	for _, c := range SMSCounts() {
		if c.After > c.Before {
			t.Errorf("%s %s (%s, accented %v): %d segments before, %d after", c.Lang, c.Key, c.Encoding, c.Accented, c.Before, c.After)
		}
	}
}
