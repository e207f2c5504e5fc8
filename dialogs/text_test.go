package dialogs

import "testing"

func TestBirthDate(t *testing.T) {
	for in, want := range map[string]string{
		"10/03/1985": "1985-03-10", "10-03-85": "1985-03-10", "10.3.1985": "1985-03-10", "10031985": "1985-03-10",
		"1985-03-10": "1985-03-10", "10 de março de 1985": "1985-03-10", "10 de marzo de 1985": "1985-03-10",
		"March 10, 1985": "1985-03-10", "nasci em 10/03/85": "1985-03-10", "01/01/05": "2005-01-01",
		"31/02/1985": "", "1985": "", "oi": "", "10/03": "",
	} {
		got, ok := birthDate(in, t0)
		if got != want || ok != (want != "") {
			t.Errorf("birthDate(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestBareNumber(t *testing.T) {
	for in, want := range map[string]int{"1": 1, " 2 ": 2, "3)": 3, "4.": 4, "5️⃣": 5, "10": 10, "0": 0,
		"123": 0, "1x": 0, "opção 1": 0, "": 0, "-1": 0} {
		if got := bareNumber(in); got != want {
			t.Errorf("bareNumber(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestTelling(t *testing.T) {
	for in, want := range map[string]bool{"hola": true, "oi": false, "ok": false, "menu": false, "pix": false,
		"sim, pode ser": true, "123": false, "gracias": true, "boleto": false} {
		if got := telling(in); got != want {
			t.Errorf("telling(%q) = %v", in, got)
		}
	}
}

func TestOnlyDigits(t *testing.T) {
	for in, want := range map[string]bool{"4": true, "123": true, "2️⃣": true, " 5) ": true, "12345678909": true,
		"25/11": false, "123.456": false, "4x": false, "": false, "em 4": false} {
		if got := onlyDigits(in); got != want {
			t.Errorf("onlyDigits(%q) = %v", in, got)
		}
	}
}
