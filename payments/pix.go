package payments

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// PixGUI is the globally unique identifier of the PIX arrangement (field 26-00).
const PixGUI = "br.gov.bcb.pix"

// Field limits of the BR Code as profiled by Banco Central.
const (
	pixMaxName   = 25
	pixMaxCity   = 15
	pixMaxTxID   = 25
	pixMaxKey    = 77
	pixMaxField  = 99
	pixNoTxID    = "***"
	pixMaxAmount = 13 // characters of field 54
)

// Pix is a PIX charge as a BR Code carries it. For a payload we generate,
// set Key, Name, City and optionally Description, AmountCents and TxID;
// ParsePix also fills URL (dynamic charges), PointOfInitiation and CRC.
type Pix struct {
	Key               string `json:"key,omitempty"`
	Description       string `json:"description,omitempty"`
	AmountCents       int64  `json:"amount_cents,omitempty"` // 0: the payer types the amount
	Name              string `json:"name"`
	City              string `json:"city"`
	TxID              string `json:"txid"`
	URL               string `json:"url,omitempty"`                 // 26-25, dynamic charges only
	PointOfInitiation string `json:"point_of_initiation,omitempty"` // 11 static, 12 single use
	MCC               string `json:"mcc,omitempty"`
	CRC               string `json:"crc,omitempty"`
}

// PixPayload builds the "copia e cola" payload of a static PIX charge. The
// name and city are reduced to plain uppercase ASCII (accents stripped) and
// cut to 25 and 15 characters; the description loses its accents and is cut
// to fit field 26's 99 characters; an empty txid becomes "***". A txid must
// be up to 25 letters and digits.
func PixPayload(p Pix) (string, error) {
	p.Name = truncate(plainUpper(p.Name), pixMaxName)
	p.City = truncate(plainUpper(p.City), pixMaxCity)
	p.Key = normaliseKey(p.Key)
	p.Description = strings.TrimSpace(plainASCII(p.Description))
	if room := pixMaxField - len(tlv("00", PixGUI)) - len(tlv("01", p.Key)) - 4; p.Description != "" && len(p.Description) > room {
		p.Description = strings.TrimSpace(truncate(p.Description, max(room, 0)))
	}
	if p.TxID == "" {
		p.TxID = pixNoTxID
	}
	p.URL, p.PointOfInitiation = "", ""
	return EncodeBRCode(p)
}

// EncodeBRCode writes p as a BR Code exactly as given (no normalisation),
// after checking every field against the Banco Central profile.
func EncodeBRCode(p Pix) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(tlv("00", "01"))
	if p.PointOfInitiation != "" {
		b.WriteString(tlv("01", p.PointOfInitiation))
	}
	acct := tlv("00", PixGUI)
	if p.Key != "" {
		acct += tlv("01", p.Key)
	}
	if p.Description != "" {
		acct += tlv("02", p.Description)
	}
	if p.URL != "" {
		acct += tlv("25", p.URL)
	}
	b.WriteString(tlv("26", acct))
	mcc := p.MCC
	if mcc == "" {
		mcc = "0000"
	}
	b.WriteString(tlv("52", mcc))
	b.WriteString(tlv("53", "986"))
	if p.AmountCents > 0 {
		b.WriteString(tlv("54", FormatAmount(p.AmountCents)))
	}
	b.WriteString(tlv("58", "BR"))
	b.WriteString(tlv("59", p.Name))
	b.WriteString(tlv("60", p.City))
	txid := p.TxID
	if txid == "" {
		txid = pixNoTxID
	}
	b.WriteString(tlv("62", tlv("05", txid)))
	b.WriteString("6304")
	b.WriteString(fmt.Sprintf("%04X", CRC16([]byte(b.String()))))
	return b.String(), nil
}

func (p Pix) validate() error {
	switch {
	case p.Key == "" && p.URL == "":
		return fmt.Errorf("pix: a key is required")
	case len(p.Key) > pixMaxKey:
		return fmt.Errorf("pix: key has %d characters, at most %d", len(p.Key), pixMaxKey)
	case strings.ContainsAny(p.Key, " \t\n"):
		return fmt.Errorf("pix: key %q contains spaces", p.Key)
	case p.Name == "" || len(p.Name) > pixMaxName:
		return fmt.Errorf("pix: merchant name must have 1 to %d characters, has %d", pixMaxName, len(p.Name))
	case p.City == "" || len(p.City) > pixMaxCity:
		return fmt.Errorf("pix: merchant city must have 1 to %d characters, has %d", pixMaxCity, len(p.City))
	case p.AmountCents < 0:
		return fmt.Errorf("pix: amount must not be negative")
	case len(FormatAmount(p.AmountCents)) > pixMaxAmount:
		return fmt.Errorf("pix: amount %s is too large", FormatAmount(p.AmountCents))
	case p.PointOfInitiation != "" && p.PointOfInitiation != "11" && p.PointOfInitiation != "12":
		return fmt.Errorf("pix: point of initiation must be 11 or 12")
	}
	if p.TxID != "" && p.TxID != pixNoTxID && (len(p.TxID) > pixMaxTxID || !isAlnum(p.TxID)) {
		return fmt.Errorf("pix: txid %q must be 1 to 25 letters and digits", p.TxID)
	}
	for _, f := range []struct{ name, v string }{{"name", p.Name}, {"city", p.City}, {"description", p.Description}, {"key", p.Key}, {"url", p.URL}} {
		if !isPrintableASCII(f.v) {
			return fmt.Errorf("pix: %s %q must be plain ASCII", f.name, f.v)
		}
	}
	if acct := len(tlv("00", PixGUI)) + tlvLen(p.Key) + tlvLen(p.Description) + tlvLen(p.URL); acct > pixMaxField {
		return fmt.Errorf("pix: key, description and url take %d characters, field 26 holds %d", acct, pixMaxField)
	}
	return nil
}

// tlv writes one EMV field: id, two-digit length, value.
func tlv(id, v string) string { return id + fmt.Sprintf("%02d", len(v)) + v }

func tlvLen(v string) int {
	if v == "" {
		return 0
	}
	return 4 + len(v)
}

// plainASCII strips accents (NFD, then drops combining marks) and any other
// character outside printable ASCII, and collapses runs of spaces.
func plainASCII(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r < 0x20 || r > 0x7E:
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// plainUpper is plainASCII in upper case.
func plainUpper(s string) string { return strings.ToUpper(plainASCII(s)) }

// truncate cuts s to n bytes (s is ASCII) and trims a trailing space.
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.TrimRight(s, " ")
}

// normaliseKey trims a key and reduces a formatted CPF or CNPJ
// (123.456.789-09, 12.345.678/0001-95) to its digits.
func normaliseKey(k string) string {
	k = strings.TrimSpace(k)
	if d := onlyDigits(k); (len(d) == 11 || len(d) == 14) && strings.Trim(k, "0123456789./-") == "" {
		return d
	}
	return k
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return s != ""
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
}

// parsePixAmount reads field 54 ("150.00", "10", "0.5") into cents.
func parsePixAmount(v string) (int64, error) {
	whole, frac, hasDot := strings.Cut(v, ".")
	if !isDigits(whole) || (hasDot && (len(frac) > 2 || (frac != "" && !isDigits(frac)))) {
		return 0, fmt.Errorf("amount %q is not a decimal with a dot and up to two decimals", v)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %v", v, err)
	}
	return n, nil
}
