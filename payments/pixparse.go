package payments

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// pixField is one decoded EMV field.
type pixField struct {
	id, value string
}

// splitTLV decodes a run of EMV fields, checking that each length is two
// digits and that the values exactly fill s. Lengths count characters.
func splitTLV(s []rune, where string) ([]pixField, error) {
	var out []pixField
	seen := map[string]bool{}
	for i := 0; i < len(s); {
		if len(s)-i < 4 {
			return nil, fmt.Errorf("%s: %d stray characters at the end", where, len(s)-i)
		}
		id, ln := string(s[i:i+2]), string(s[i+2:i+4])
		if !isDigits(id) || !isDigits(ln) {
			return nil, fmt.Errorf("%s: field id %q and length %q must be two digits each", where, id, ln)
		}
		n, _ := strconv.Atoi(ln)
		if n == 0 {
			return nil, fmt.Errorf("%s: field %s is empty", where, id)
		}
		if i+4+n > len(s) {
			return nil, fmt.Errorf("%s: field %s says %d characters, only %d remain", where, id, n, len(s)-i-4)
		}
		if seen[id] {
			return nil, fmt.Errorf("%s: field %s appears twice", where, id)
		}
		seen[id] = true
		out = append(out, pixField{id, string(s[i+4 : i+4+n])})
		i += 4 + n
	}
	return out, nil
}

// ParsePix decodes a BR Code ("PIX copia e cola") and checks it: the CRC of
// field 63, every field's length (as declared and within the Banco Central
// limits), the fixed values of fields 00, 52, 53 and 58, the PIX GUI, and the
// amount's format. Errors name the field.
func ParsePix(payload string) (Pix, error) {
	payload = strings.TrimSpace(payload)
	if len(payload) < 8 || !strings.HasPrefix(payload, "000201") {
		return Pix{}, errors.New("pix: a BR Code starts with 000201 (field 00, payload format 01)")
	}
	crcAt := len(payload) - 8
	if payload[crcAt:crcAt+4] != "6304" {
		return Pix{}, errors.New("pix: a BR Code ends with field 63 (6304 + four hex digits of CRC)")
	}
	want := CRC16([]byte(payload[:crcAt+4]))
	got, err := strconv.ParseUint(payload[crcAt+4:], 16, 16)
	if err != nil {
		return Pix{}, fmt.Errorf("pix: CRC %q is not four hex digits", payload[crcAt+4:])
	}
	if uint16(got) != want {
		return Pix{}, fmt.Errorf("pix: CRC is %s, expected %04X: the payload was altered or mistyped", payload[crcAt+4:], want)
	}
	fields, err := splitTLV([]rune(payload), "pix")
	if err != nil {
		return Pix{}, err
	}
	p := Pix{CRC: strings.ToUpper(payload[crcAt+4:])}
	have := map[string]bool{}
	var pixAccount bool
	for _, f := range fields {
		have[f.id] = true
		n := len([]rune(f.value))
		switch f.id {
		case "00":
			if f.value != "01" {
				return Pix{}, fmt.Errorf("pix: field 00 (payload format) is %q, expected 01", f.value)
			}
		case "01":
			if f.value != "11" && f.value != "12" {
				return Pix{}, fmt.Errorf("pix: field 01 (point of initiation) is %q, expected 11 or 12", f.value)
			}
			p.PointOfInitiation = f.value
		case "52":
			if n != 4 || !isDigits(f.value) {
				return Pix{}, fmt.Errorf("pix: field 52 (merchant category) %q must be 4 digits", f.value)
			}
			p.MCC = f.value
		case "53":
			if f.value != "986" {
				return Pix{}, fmt.Errorf("pix: field 53 (currency) is %q, expected 986 (real)", f.value)
			}
		case "54":
			if n > pixMaxAmount {
				return Pix{}, fmt.Errorf("pix: field 54 (amount) has %d characters, at most %d", n, pixMaxAmount)
			}
			if p.AmountCents, err = parsePixAmount(f.value); err != nil {
				return Pix{}, fmt.Errorf("pix: field 54: %w", err)
			}
		case "58":
			if f.value != "BR" {
				return Pix{}, fmt.Errorf("pix: field 58 (country) is %q, expected BR", f.value)
			}
		case "59":
			if n > pixMaxName {
				return Pix{}, fmt.Errorf("pix: field 59 (merchant name) has %d characters, at most %d", n, pixMaxName)
			}
			p.Name = f.value
		case "60":
			if n > pixMaxCity {
				return Pix{}, fmt.Errorf("pix: field 60 (merchant city) has %d characters, at most %d", n, pixMaxCity)
			}
			p.City = f.value
		case "62":
			sub, err := splitTLV([]rune(f.value), "pix: field 62 (additional data)")
			if err != nil {
				return Pix{}, err
			}
			for _, s := range sub {
				if s.id == "05" {
					if len([]rune(s.value)) > pixMaxTxID {
						return Pix{}, fmt.Errorf("pix: field 62-05 (txid) has %d characters, at most %d", len([]rune(s.value)), pixMaxTxID)
					}
					p.TxID = s.value
				}
			}
		case "63":
		default:
			id, _ := strconv.Atoi(f.id)
			if id < 26 || id > 51 {
				continue // other EMV templates (80–99 unreserved, …) are allowed and ignored
			}
			sub, err := splitTLV([]rune(f.value), "pix: field "+f.id+" (merchant account)")
			if err != nil {
				return Pix{}, err
			}
			if len(sub) == 0 || sub[0].id != "00" || !strings.EqualFold(sub[0].value, PixGUI) {
				continue // another arrangement's account: ignored
			}
			if pixAccount {
				return Pix{}, fmt.Errorf("pix: two merchant accounts with GUI %s", PixGUI)
			}
			pixAccount = true
			for _, s := range sub[1:] {
				switch s.id {
				case "01":
					if len([]rune(s.value)) > pixMaxKey {
						return Pix{}, fmt.Errorf("pix: field %s-01 (key) has %d characters, at most %d", f.id, len([]rune(s.value)), pixMaxKey)
					}
					p.Key = s.value
				case "02":
					p.Description = s.value
				case "25":
					p.URL = s.value
				}
			}
			if p.Key == "" && p.URL == "" {
				return Pix{}, fmt.Errorf("pix: field %s has neither a key (01) nor a URL (25)", f.id)
			}
		}
	}
	for _, req := range []struct{ id, name string }{{"52", "merchant category"}, {"53", "currency"}, {"58", "country"}, {"59", "merchant name"}, {"60", "merchant city"}} {
		if !have[req.id] {
			return Pix{}, fmt.Errorf("pix: field %s (%s) is missing", req.id, req.name)
		}
	}
	if !pixAccount {
		return Pix{}, fmt.Errorf("pix: no merchant account (fields 26–51) with GUI %s", PixGUI)
	}
	if fields[len(fields)-1].id != "63" {
		return Pix{}, errors.New("pix: field 63 (CRC) must be the last")
	}
	return p, nil
}
